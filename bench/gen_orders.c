/* gen_orders.c - deterministic order-line generator for the benchmarks.
 *
 *   gen_orders [--csv] [--seed N] RECORDS > orders.jsonl
 *
 * Writes RECORDS order lines, about 350 bytes of JSON each, one object per
 * line (or CSV with a header line with --csv: the same values, for the
 * sqlite3 .import baseline). The same arguments always give the same bytes:
 * the only randomness is a seeded splitmix64, and dates are computed in UTC
 * with a fixed +03:00 offset, so the machine's time zone plays no part.
 *
 * Orders have 1-5 lines; (order_id, line_no) is unique because order ids
 * only grow. The last order may be cut short to hit RECORDS exactly.
 *
 * Kept out of the CMake build on purpose: bench/run.sh compiles it with a
 * plain `cc -O2`, so the benchmark never depends on the state of the tree. */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SL_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Paired spellings: [i][0] is Cyrillic, [i][1] the Latin transliteration
 * (the e-mail local part always uses the Latin one). */
static const char *const sl_first[][2] = {
    {"Иван", "Ivan"},         {"Мария", "Maria"},     {"Алексей", "Alexey"},
    {"Екатерина", "Ekaterina"}, {"Дмитрий", "Dmitry"}, {"Ольга", "Olga"},
    {"Сергей", "Sergey"},     {"Анна", "Anna"},       {"Николай", "Nikolay"},
    {"Татьяна", "Tatiana"},   {"Павел", "Pavel"},     {"Светлана", "Svetlana"},
    {"Андрей", "Andrey"},     {"Наталья", "Natalia"}, {"Михаил", "Mikhail"},
    {"Юлия", "Yulia"},
};
static const char *const sl_last[][2] = {
    {"Петров", "Petrov"},     {"Смирнов", "Smirnov"},   {"Иванов", "Ivanov"},
    {"Кузнецов", "Kuznetsov"}, {"Соколов", "Sokolov"},  {"Попов", "Popov"},
    {"Лебедев", "Lebedev"},   {"Козлов", "Kozlov"},     {"Новиков", "Novikov"},
    {"Морозов", "Morozov"},   {"Волков", "Volkov"},     {"Фёдоров", "Fedorov"},
    {"Орлов", "Orlov"},       {"Зайцев", "Zaitsev"},
};
static const char *const sl_domains[] = {
    "example.com", "mail.example.ru", "example.org", "corp.example.net",
};
static const char *const sl_products[] = {
    "Кофемашина автоматическая", "Пылесос вертикальный",  "Чайник стеклянный 1,7 л",
    "Набор кастрюль, 6 предм.",  "Мультиварка 5 л",       "Утюг с парогенератором",
    "Блендер погружной",         "Микроволновая печь",    "Робот-пылесос",
    "Зубная щётка звуковая",     "Лампа настольная",      "Увлажнитель воздуха",
};
static const char *const sl_warehouses[] = {
    "Москва-Север", "Санкт-Петербург", "Казань", "Екатеринбург", "Новосибирск",
};
static const char *const sl_statuses[] = {"paid", "shipped", "cancelled", "pending"};
static const char *const sl_fields[] = {
    "order_id", "line_no", "created_at", "status", "customer_email", "customer_name", "sku",
    "product", "qty", "unit_price", "discount", "currency", "warehouse",
};

/* splitmix64: tiny, fast, and identical on every platform. */
static uint64_t sl_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static unsigned sl_pick(uint64_t *state, unsigned n)
{
    return (unsigned)(sl_next(state) % n);
}

typedef struct sl_line {
    char order_id[24];
    unsigned line_no;
    char created_at[32];
    const char *status;
    char email[96];
    char name[64];
    char sku[16];
    const char *product;
    unsigned qty;
    long long price_cents;
    long long discount_cents;
    const char *currency;
    const char *warehouse;
} sl_line;

/* Mixed case the way CRMs receive it: as typed (0), lower (1), shouted (2),
 * or with a shouted top-level domain (3, "Ivan.Petrov42@Example.COM"). */
static void sl_case_mix(char *s, unsigned style)
{
    char *tld = strrchr(s, '.');
    for (char *p = s; *p; p++) {
        int upper = style == 2 || (style == 3 && p > tld);
        if (upper && *p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
        else if (style == 1 && *p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    }
}

/* The customer is a function of its number, so one customer always has the
 * same name and address; only the e-mail's letter case varies per order. */
static void sl_customer(sl_line *l, unsigned customer, uint64_t *rng)
{
    unsigned f = customer % SL_LEN(sl_first);
    unsigned s = (customer / SL_LEN(sl_first)) % SL_LEN(sl_last);
    const char *dom = sl_domains[customer % SL_LEN(sl_domains)];
    int latin = (customer % 3) == 0;
    int female = f % 2; /* sl_first alternates; surnames then take -а/-a */
    unsigned style = sl_pick(rng, 4);

    snprintf(l->name, sizeof l->name, "%s %s%s", sl_first[f][latin], sl_last[s][latin],
             female ? (latin ? "a" : "а") : "");
    snprintf(l->email, sizeof l->email, "%s.%s%s%u@%c%s", sl_first[f][1], sl_last[s][1],
             female ? "a" : "", customer % 100,
             style == 3 ? dom[0] - 'a' + 'A' : dom[0], dom + 1);
    sl_case_mix(l->email, style);
}

static void sl_timestamp(char *out, size_t size, time_t utc)
{
    struct tm tm;
    time_t local = utc + 3 * 3600;
    gmtime_r(&local, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%S+03:00", &tm);
}

static void sl_product(sl_line *l, uint64_t *rng)
{
    unsigned p = sl_pick(rng, SL_LEN(sl_products));
    unsigned variant = sl_pick(rng, 50);
    unsigned sku = p * 1000 + variant;

    l->product = sl_products[p];
    snprintf(l->sku, sizeof l->sku, "SKU-%06u", sku);
    /* Price depends on the SKU only, so the same SKU always costs the same. */
    l->price_cents = 49900 + (long long)((sku * 2654435761u) % 2000000u) / 50 * 50;
    l->qty = 1 + sl_pick(rng, 10);
    l->discount_cents = sl_pick(rng, 4) == 0 ? l->price_cents * l->qty * (5 + sl_pick(rng, 16)) / 100 : 0;
}

static void sl_money(char *out, size_t size, long long cents)
{
    snprintf(out, size, "%lld.%02lld", cents / 100, cents % 100);
}

static void sl_write_json(FILE *f, const sl_line *l)
{
    char price[32], discount[32];
    sl_money(price, sizeof price, l->price_cents);
    sl_money(discount, sizeof discount, l->discount_cents);
    /* No escaping needed: every string comes from the tables above or from
     * digits, and none holds a quote, backslash or control character. */
    fprintf(f,
            "{\"order_id\":\"%s\",\"line_no\":%u,\"created_at\":\"%s\",\"status\":\"%s\","
            "\"customer_email\":\"%s\",\"customer_name\":\"%s\",\"sku\":\"%s\",\"product\":\"%s\","
            "\"qty\":\"%u\",\"unit_price\":\"%s\",\"discount\":\"%s\",\"currency\":\"%s\","
            "\"warehouse\":\"%s\"}\n",
            l->order_id, l->line_no, l->created_at, l->status, l->email, l->name, l->sku,
            l->product, l->qty, price, discount, l->currency, l->warehouse);
}

static void sl_write_csv(FILE *f, const sl_line *l)
{
    char price[32], discount[32];
    sl_money(price, sizeof price, l->price_cents);
    sl_money(discount, sizeof discount, l->discount_cents);
    /* Product names contain commas, so text fields are always quoted. */
    fprintf(f, "\"%s\",%u,\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"%u\",\"%s\",\"%s\",\"%s\",\"%s\"\n",
            l->order_id, l->line_no, l->created_at, l->status, l->email, l->name, l->sku,
            l->product, l->qty, price, discount, l->currency, l->warehouse);
}

static int sl_usage(FILE *f)
{
    fputs("usage: gen_orders [--csv] [--seed N] RECORDS\n"
          "Writes RECORDS deterministic order lines as JSONL (or CSV with a header) to stdout.\n",
          f);
    return f == stdout ? 0 : 2;
}

static int sl_parse_u64(const char *s, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

static int sl_generate(FILE *f, uint64_t records, uint64_t seed, int csv)
{
    uint64_t rng = seed;
    uint64_t written = 0;
    uint64_t order = 1000000;
    time_t t = 1704056400; /* 2024-01-01T00:00:00+03:00 */
    sl_line l;

    if (csv) {
        for (size_t i = 0; i < SL_LEN(sl_fields); i++)
            fprintf(f, "%s%s", i ? "," : "", sl_fields[i]);
        fputc('\n', f);
    }
    while (written < records) {
        unsigned lines = 1 + sl_pick(&rng, 5);
        unsigned customer = sl_pick(&rng, 20000);

        order += 1 + sl_pick(&rng, 3); /* gaps, as in a real order book */
        t += 1 + sl_pick(&rng, 40);
        memset(&l, 0, sizeof l);
        snprintf(l.order_id, sizeof l.order_id, "SO-%08" PRIu64, order);
        sl_timestamp(l.created_at, sizeof l.created_at, t);
        l.status = sl_statuses[sl_pick(&rng, SL_LEN(sl_statuses))];
        l.currency = sl_pick(&rng, 10) == 0 ? "EUR" : "RUB";
        l.warehouse = sl_warehouses[sl_pick(&rng, SL_LEN(sl_warehouses))];
        sl_customer(&l, customer, &rng);
        for (unsigned i = 1; i <= lines && written < records; i++, written++) {
            l.line_no = i;
            sl_product(&l, &rng);
            if (csv)
                sl_write_csv(f, &l);
            else
                sl_write_json(f, &l);
        }
    }
    return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

int main(int argc, char **argv)
{
    uint64_t records = 0, seed = 42;
    int csv = 0, have_n = 0;
    static char buf[1 << 20];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--csv") == 0) {
            csv = 1;
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            if (sl_parse_u64(argv[++i], &seed) != 0)
                return sl_usage(stderr);
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            return sl_usage(stdout);
        } else if (!have_n && sl_parse_u64(argv[i], &records) == 0) {
            have_n = 1;
        } else {
            return sl_usage(stderr);
        }
    }
    if (!have_n)
        return sl_usage(stderr);
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    if (sl_generate(stdout, records, seed, csv) != 0) {
        fprintf(stderr, "gen_orders: write failed: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
