/* gen_cml.c - writes a large CommerceML 2.05 import.xml (a classifier with
 * groups and properties, then N products), or with --offers the matching
 * offers.xml (two price types, three warehouses, Цены and Остатки per
 * offer), to stdout. Deterministic: the output depends on the arguments
 * only. About 440 bytes per product, so 500,000 products make ~220 MB.
 *
 *   cc -O2 -o gen_cml bench/commerceml/gen_cml.c
 *   ./gen_cml 500000 > import.xml
 *   ./gen_cml --offers 500000 > offers.xml
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NGROUPS 40  /* top-level groups, each with 5 subgroups */
#define NSUB 5

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* A GUID-looking id derived from (kind, n): stable across runs. */
static void guid(char *out, size_t cap, unsigned kind, unsigned long n)
{
    snprintf(out, cap, "%08lx-%04x-11e4-9a4b-%012lx", (unsigned long)(n * 2654435761u) & 0xffffffffUL, kind,
             n);
}

static const char *const nouns[] = {"Стол", "Стул", "Шкаф", "Диван", "Кресло", "Полка", "Тумба", "Кровать",
                                    "Комод", "Ламинат", "Плинтус", "Обои", "Лампа", "Ковёр", "Зеркало"};
static const char *const adjs[] = {"дубовый", "белый", "угловой", "складной", "кухонный", "детский",
                                   "офисный", "классик", "модерн", "лофт"};
static const char *const colors[] = {"Белый", "Чёрный", "Дуб", "Орех", "Венге", "Серый"};

static void classifier(FILE *o)
{
    char id[64], sub[64];
    fputs("\t<Классификатор>\n\t\t<Ид>bench-classifier</Ид>\n\t\t<Наименование>Классификатор (Каталог товаров)"
          "</Наименование>\n\t\t<Группы>\n",
          o);
    for (unsigned g = 0; g < NGROUPS; g++) {
        guid(id, sizeof id, 1, g);
        fprintf(o, "\t\t\t<Группа>\n\t\t\t\t<Ид>%s</Ид>\n\t\t\t\t<Наименование>%s и аксессуары %u</Наименование>\n"
                   "\t\t\t\t<Группы>\n",
                id, nouns[g % 15], g);
        for (unsigned s = 0; s < NSUB; s++) {
            guid(sub, sizeof sub, 2, g * NSUB + s);
            fprintf(o, "\t\t\t\t\t<Группа><Ид>%s</Ид><Наименование>%s %s</Наименование></Группа>\n", sub,
                    nouns[g % 15], adjs[s]);
        }
        fputs("\t\t\t\t</Группы>\n\t\t\t</Группа>\n", o);
    }
    fputs("\t\t</Группы>\n\t\t<Свойства>\n\t\t\t<Свойство><Ид>color</Ид><Наименование>Цвет</Наименование>"
          "<ТипЗначений>Справочник</ТипЗначений><ВариантыЗначений>\n",
          o);
    for (unsigned c = 0; c < 6; c++)
        fprintf(o, "\t\t\t\t<Справочник><ИдЗначения>c%u</ИдЗначения><Значение>%s</Значение></Справочник>\n", c,
                colors[c]);
    fputs("\t\t\t</ВариантыЗначений></Свойство>\n\t\t</Свойства>\n\t</Классификатор>\n", o);
}

static void product(FILE *o, unsigned long n)
{
    char id[64], grp[64];
    guid(id, sizeof id, 3, n);
    /* One call per statement: the order of evaluation of arguments is
     * unspecified, the output must not depend on the compiler. */
    unsigned g = next_rand() % (NGROUPS * NSUB);
    unsigned noun = next_rand() % 15, adj = next_rand() % 10, color = next_rand() % 6;
    guid(grp, sizeof grp, 2, g);
    fprintf(o,
            "\t\t\t<Товар>\n\t\t\t\t<Ид>%s</Ид>\n\t\t\t\t<Артикул>ART-%07lu</Артикул>\n"
            "\t\t\t\t<Наименование>%s %s %lu</Наименование>\n"
            "\t\t\t\t<БазоваяЕдиница Код=\"796\">шт</БазоваяЕдиница>\n"
            "\t\t\t\t<Группы><Ид>%s</Ид></Группы>\n",
            id, n, nouns[noun], adjs[adj], n, grp);
    if (n % 4 == 0) /* a property on every fourth product */
        fprintf(o, "\t\t\t\t<ЗначенияСвойств><ЗначенияСвойства><Ид>color</Ид><Значение>c%u</Значение>"
                   "</ЗначенияСвойства></ЗначенияСвойств>\n",
                color);
    fputs("\t\t\t</Товар>\n", o);
}

static void import_file(FILE *o, unsigned long n)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<КоммерческаяИнформация ВерсияСхемы=\"2.05\" "
          "ДатаФормирования=\"2024-01-01T00:00:00\">\n",
          o);
    classifier(o);
    fputs("\t<Каталог СодержитТолькоИзменения=\"false\">\n\t\t<Ид>bench-catalog</Ид>\n\t\t<ИдКлассификатора>"
          "bench-classifier</ИдКлассификатора>\n\t\t<Наименование>Каталог товаров</Наименование>\n\t\t<Товары>\n",
          o);
    for (unsigned long i = 1; i <= n; i++)
        product(o, i);
    fputs("\t\t</Товары>\n\t</Каталог>\n</КоммерческаяИнформация>\n", o);
}

static void offer(FILE *o, unsigned long n)
{
    char id[64];
    guid(id, sizeof id, 3, n);
    unsigned noun = next_rand() % 15;
    unsigned price = 100 + next_rand() % 90000;
    unsigned kop = next_rand() % 100;
    fprintf(o,
            "\t\t\t<Предложение>\n\t\t\t\t<Ид>%s</Ид>\n\t\t\t\t<Наименование>%s %lu</Наименование>\n"
            "\t\t\t\t<Цены>\n"
            "\t\t\t\t\t<Цена><ИдТипаЦены>retail</ИдТипаЦены><ЦенаЗаЕдиницу>%u.%02u</ЦенаЗаЕдиницу>"
            "<Валюта>RUB</Валюта><Единица>шт</Единица><Коэффициент>1</Коэффициент></Цена>\n"
            "\t\t\t\t\t<Цена><ИдТипаЦены>opt</ИдТипаЦены><ЦенаЗаЕдиницу>%u.00</ЦенаЗаЕдиницу>"
            "<Валюта>RUB</Валюта><Единица>шт</Единица><Коэффициент>1</Коэффициент></Цена>\n"
            "\t\t\t\t</Цены>\n\t\t\t\t<Остатки>\n",
            id, nouns[noun], n, price, kop, price * 8 / 10);
    for (unsigned w = 0; w < 3; w++)
        fprintf(o, "\t\t\t\t\t<Остаток><Склад><Ид>wh%u</Ид><Количество>%u</Количество></Склад></Остаток>\n", w,
                next_rand() % 50);
    fputs("\t\t\t\t</Остатки>\n\t\t\t</Предложение>\n", o);
}

static void offers_file(FILE *o, unsigned long n)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<КоммерческаяИнформация ВерсияСхемы=\"2.08\" "
          "ДатаФормирования=\"2024-01-01T00:00:00\">\n\t<ПакетПредложений СодержитТолькоИзменения=\"false\">\n"
          "\t\t<Ид>bench-catalog#</Ид>\n\t\t<ИдКаталога>bench-catalog</ИдКаталога>\n\t\t<ТипыЦен>\n"
          "\t\t\t<ТипЦены><Ид>retail</Ид><Наименование>Розничная</Наименование><Валюта>RUB</Валюта></ТипЦены>\n"
          "\t\t\t<ТипЦены><Ид>opt</Ид><Наименование>Оптовая</Наименование><Валюта>RUB</Валюта></ТипЦены>\n"
          "\t\t</ТипыЦен>\n\t\t<Склады>\n",
          o);
    for (unsigned w = 0; w < 3; w++)
        fprintf(o, "\t\t\t<Склад><Ид>wh%u</Ид><Наименование>Склад %u</Наименование></Склад>\n", w, w + 1);
    fputs("\t\t</Склады>\n\t\t<Предложения>\n", o);
    for (unsigned long i = 1; i <= n; i++)
        offer(o, i);
    fputs("\t\t</Предложения>\n\t</ПакетПредложений>\n</КоммерческаяИнформация>\n", o);
}

int main(int argc, char **argv)
{
    int offers = argc > 1 && strcmp(argv[1], "--offers") == 0;
    const char *count = argc > 1 + offers ? argv[1 + offers] : "500000";
    char *end;
    unsigned long n = strtoul(count, &end, 10);
    if (*count == '\0' || *end != '\0' || n == 0) {
        fprintf(stderr, "usage: %s [--offers] N\n", argv[0]);
        return 2;
    }
    static char buf[1 << 20];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    if (offers)
        offers_file(stdout, n);
    else
        import_file(stdout, n);
    return fflush(stdout) == 0 ? 0 : 1;
}
