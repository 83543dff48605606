#!/usr/bin/env python3
"""Generates the quickstart's input files and the numbers the tests expect.

    python3 make_data.py        # rewrites data/*, EXPECTED.md and expected.json

The output is fully determined by SEED: running the script again gives
byte-identical files, which are committed so that nobody needs Python to
try the example.

What it writes, beside this script:
  data/contacts.csv   CRM contacts export: UTF-8 with BOM, CRLF, ','
  data/deals.csv      CRM deals export: ';' delimiter, LF
  data/orders.jsonl   shop order lines, one JSON object per line
  data/inventory.csv  stock per warehouse, ','
  EXPECTED.md         the broken rows and the row counts after the run
  expected.json       the same numbers for the end-to-end tests

The expected numbers are computed here by applying what pipeline.json
asks for (map: rename, default, trim, lowercase, uppercase, cast int;
filter: status in paid/shipped; sqlite: upsert on the key) to the rows
this script generated, so they follow the data when the data changes.
"""

import csv
import io
import json
import os
import random
from datetime import datetime, timedelta

SEED = 20240601
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")

# ---------------------------------------------------------------- vocabulary

MALE_FIRST = ["Иван", "Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Николай",
              "Павел", "Артём", "Егор", "Фёдор", "Юрий", "Константин", "Виктор"]
FEMALE_FIRST = ["Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ксения",
                "Дарья", "Юлия", "Светлана", "Алёна", "Екатерина", "Ирина"]
SURNAMES = ["Петров", "Иванов", "Смирнов", "Кузнецов", "Соколов", "Попов", "Лебедев",
            "Козлов", "Новиков", "Морозов", "Волков", "Фёдоров", "Зайцев", "Соловьёв",
            "Белов", "Орлов", "Макаров", "Никитин", "Захаров", "Богданов"]
UNINFLECTED = ["Шевченко", "Ким", "Черных", "Бондаренко"]
LATIN_NAMES = ["John Smith", "Maria Garcia", "Chen Wei", "Anna Müller", "Olivia Brown",
               "Lukas Novák", "Søren Jensen", "James O'Brien", "Sophie Martin",
               "Emma Wilson", "Noah Davis", "Lena Schröder", "Marco Rossi", "Aylin Demir"]

TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "ü": "u", "á": "a", "ø": "o", "ö": "o", "'": "",
}

FREE_DOMAINS = ["mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru"]

# (company, its e-mail domain or None for people using a free mailbox)
COMPANIES = [
    ('Рога и копыта, ООО', "roga-kopyta.ru"),
    ('ООО "Ромашка"', "romashka.ru"),
    ('АО "Северный ветер"', "sever-veter.ru"),
    ("ИП Сидоров А. В.", None),
    ('ООО "Вектор, Плюс"', "vektor-plus.ru"),
    ("ТД Альфа", "td-alfa.ru"),
    ("Globex, Inc.", "globex.com"),
    ("Müller & Söhne GmbH", "mueller-soehne.de"),
    ("Стройдвор", "stroydvor.ru"),
    ('ООО "Уют-Дом"', "uyut-dom.ru"),
    ("", None),
    ("", None),
]

OWNERS = ["Ольга Смирнова", "Dmitry Kozlov", "Игорь Лебедев", "Анна Соколова"]

CITIES = [("Москва", "101000"), ("Санкт-Петербург", "190000"), ("Екатеринбург", "620014"),
          ("Казань", "420111"), ("Новосибирск", "630099"), ("Нижний Новгород", "603005"),
          ("Челябинск", "454091")]

PRODUCTS = [
    ("Стул офисный «Комфорт»", "4590.00"),
    ("Стол письменный, дуб", "12990.00"),
    ("Кресло руководителя", "18450.50"),
    ("Лампа настольная LED", "1890.00"),
    ("Кружка керамическая, 350 мл", "349.90"),
    ("Полка настенная", "2150.00"),
    ("Шкаф-купе 2-дверный", "32900.00"),
    ("Коврик для мыши", "299.00"),
    ('Органайзер "Офис"', "799.00"),
    ("Тумба мобильная", "6790.00"),
    ("Доска магнитно-маркерная 90×120", "5490.00"),
    ("Бумага А4, 500 л.", "459.00"),
    ("Степлер №24", "389.00"),
    ("Кулер для воды", "9900.00"),
    ("Вешалка напольная", "2790.00"),
    ("Диван 3-местный «Бостон»", "45990.00"),
    ("Подставка для ноутбука", "1590.00"),
    ("Часы настенные", "1290.00"),
    ("Жалюзи вертикальные, 1.5 м", "3250.00"),
    ("Ламинат 33 класс, м²", "1149.00"),
    ("Плинтус напольный, 2.5 м", "215.50"),
    ("Стеллаж металлический", "7450.00"),
    ("Сейф офисный", "15800.00"),
    ("Чайник электрический", "2490.00"),
    ("Кофемашина капсульная", "11990.00"),
    ("Ножницы офисные", "199.00"),
    ("Калькулятор бухгалтерский", "990.00"),
    ("Шредер для бумаги", "8990.00"),
    ("Флипчарт на треноге", "6990.00"),
    ("Мусорная корзина, 12 л", "450.00"),
]
WAREHOUSES = ["MSK-1", "SPB-1", "EKB-1"]

DEAL_STAGES = [("new", 10), ("qualified", 30), ("proposal", 50), ("negotiation", 70),
               ("won", 100), ("lost", 0)]
DEAL_TITLES = ["Поставка стульев, 20 шт.", "Оснащение офиса", "Мебель для переговорной",
               "Годовой контракт: канцелярия", "Ремонт, напольные покрытия",
               "Кофе-пойнт для open space", "Office refurbishment, 2nd floor",
               "Стеллажи для склада", "Пробная закупка", "Переезд офиса, этап 2"]

ORDER_STATUSES = ["paid"] * 45 + ["shipped"] * 30 + ["cancelled"] * 10 + ["pending"] * 15
KEEP_STATUSES = ("paid", "shipped")

# ------------------------------------------------------------------ helpers


def translit(s):
    return "".join(TRANSLIT.get(c, c) for c in s.lower())


def messy_case(rng, email):
    """Mixed case as people type it into forms and CRMs."""
    r = rng.random()
    if r < 0.55:
        return email
    if r < 0.75:
        local, domain = email.split("@")
        return ".".join(p.capitalize() for p in local.split(".")) + "@" + domain.capitalize()
    if r < 0.85:
        return email.upper()
    return "".join(c.upper() if rng.random() < 0.3 else c for c in email)


def stray_spaces(rng, s, p=0.15):
    if rng.random() < p:
        return rng.choice([" ", "  "]) + s if rng.random() < 0.5 else s + rng.choice([" ", "  "])
    return s


def phone(rng):
    code = rng.choice(["903", "905", "915", "916", "925", "926", "977", "999", "495", "812"])
    n = "%07d" % rng.randrange(10 ** 7)
    fmt = rng.choice(["+7 ({c}) {a}-{b}-{d}", "8-{c}-{a}-{b}-{d}", "+7{c}{a}{b}{d}", "8 ({c}) {a} {b} {d}"])
    return fmt.format(c=code, a=n[:3], b=n[3:5], d=n[5:])


def when(rng, start, days):
    t = start + timedelta(days=rng.randrange(days), seconds=rng.randrange(9 * 3600, 20 * 3600))
    return t


def csv_line(fields, delim):
    """One CSV row (no line break) quoted the way a spreadsheet export does."""
    buf = io.StringIO()
    # The writer quotes line breaks only when they appear in its terminator.
    csv.writer(buf, delimiter=delim, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerow(fields)
    return buf.getvalue()[:-2]


def cast_int(v):
    """What the map's cast int accepts: JSON integers and strings of an
    optionally signed decimal integer."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        s = v[1:] if v[:1] in "+-" else v
        if s.isdigit() and s.isascii():
            return int(v)
    return None


# ----------------------------------------------------------------- contacts


def make_people(rng, n):
    people, seen = [], set()
    while len(people) < n:
        if rng.random() < 0.12:
            name = rng.choice(LATIN_NAMES)
            first, last = name.split(" ", 1)
        else:
            female = rng.random() < 0.5
            first = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
            last = rng.choice(SURNAMES + UNINFLECTED)
            if female and last in SURNAMES:
                last += "а"
            name = first + " " + last
        company, cdomain = rng.choice(COMPANIES)
        domain = cdomain if cdomain and rng.random() < 0.7 else rng.choice(FREE_DOMAINS)
        local = rng.choice([translit(first) + "." + translit(last),
                            translit(first)[0] + "." + translit(last),
                            translit(last) + str(rng.randrange(1, 99))])
        email = local + "@" + domain
        if email in seen:
            continue
        seen.add(email)
        people.append({"name": name, "email": email, "company": company})
    return people


HERO = {"name": "Иван Петров", "email": "ivan.petrov@mail.ru", "company": 'Рога и копыта, ООО'}


def make_contacts(rng):
    """Returns (lines, good_rows, broken). lines are the file's rows without
    line breaks; good_rows the records the source emits, in file order."""
    people = [HERO] + make_people(rng, 193)
    people = [p for i, p in enumerate(people) if i == 0 or p["email"] != HERO["email"]]
    start = datetime(2023, 1, 9)
    header = ["name", "email", "phone", "company", "owner", "created_at", "comment"]
    rows = []
    for p in people:
        comment = ""
        r = rng.random()
        if r < 0.08:
            comment = rng.choice(["Перезвонить после 15:00, просил КП", "VIP, скидка 5%",
                                  "Просил счёт на юрлицо", "Met at the expo, wants a catalogue"])
        rows.append([stray_spaces(rng, p["name"], 0.08), stray_spaces(rng, messy_case(rng, p["email"])),
                     phone(rng), p["company"], rng.choice(OWNERS),
                     when(rng, start, 500).strftime("%Y-%m-%d %H:%M:%S"), comment])
    # The hero is typed in three ways over time; the sink keeps one row.
    rows[0] = ["Иван Петров", " Ivan.Petrov@Mail.RU", "+7 (916) 123-45-67", HERO["company"],
               "Ольга Смирнова", "2023-02-14 10:05:00", "Заказывает для офиса на Тверской, 7, стр. 2"]
    dups = [
        (40, ["Иван Петров ", "ivan.petrov@mail.ru ", "8-916-123-45-67", HERO["company"],
              "Dmitry Kozlov", "2023-09-01 12:00:00", "Дубль из веб-формы"]),
    ]
    # Five more people re-exported later with a changed phone and e-mail case.
    for k, src in enumerate([7, 23, 58, 90, 131]):
        row = list(rows[src])
        row[1] = "  " + row[1].strip().upper()
        row[2] = phone(rng)
        row[6] = "Обновлено\nиз карточки сделки" if k == 0 else "Обновлено"
        dups.append((150 + 8 * k, row))
    for pos, row in sorted(dups, reverse=True):
        rows.insert(pos, row)
    # One multi-line note (a quoted field with a line break inside).
    rows[12][6] = "Адрес доставки:\nг. Казань, ул. Баумана, 12"

    good = [dict(zip(header, r)) for r in rows]
    lines = [csv_line(r, ",") for r in rows]
    broken = []

    def insert_broken(pos, text, reason):
        lines.insert(pos, text)
        broken.append({"text": text, "reason": reason, "pos": pos})

    insert_broken(57, "Павел Козлов,p.kozlov@roga-kopyta.ru,+7 (903) 555-12-34,Рога и копыта, ООО,"
                      "Игорь Лебедев,2023-04-02 11:20:00,", "8 fields, the header has 7 (unquoted comma)")
    insert_broken(121, "Мария Белова,m.belova@yandex.ru,+7 (926) 000-11-22",
                  "3 fields, the header has 7 (row cut short)")
    insert_broken(170, 'Егор Волков,egor.volkov@gmail.com,8-915-123-00-00,ООО "Вектор",Dmitry Kozlov,'
                       "2024-01-12 09:00:00,", "stray quote in an unquoted field")
    lines.append('Алёна Зайцева,alena.z@inbox.ru,+7 (999) 765-43-21,"ООО ""Север,Анна Соколова,'
                 "2024-05-30 18:45:00,")
    broken.append({"text": lines[-1], "reason": "unterminated quoted field (last row of the file)",
                   "pos": len(lines) - 1})
    return header, lines, good, broken


def write_contacts(header, lines, broken):
    body = [csv_line(header, ",")] + lines
    text = "\r\n".join(body) + "\r\n"
    with open(os.path.join(DATA, "contacts.csv"), "w", encoding="utf-8-sig", newline="") as f:
        f.write(text)
    # Line numbers as an editor shows them (quoted line breaks count).
    starts, line = [], 1
    for row in body:
        starts.append(line)
        line += row.count("\n") + 1
    for b in broken:
        b["line"] = starts[b["pos"] + 1]


# -------------------------------------------------------------------- deals


def make_deals(rng, people):
    header = ["deal_id", "contact_email", "title", "stage", "amount", "currency",
              "probability", "created_at", "closed_at"]
    start = datetime(2023, 3, 1)
    rows = []
    for i in range(150):
        p = rng.choice(people)
        stage, prob = rng.choice(DEAL_STAGES)
        created = when(rng, start, 420)
        closed = (created + timedelta(days=rng.randrange(3, 90))).strftime("%Y-%m-%d") \
            if stage in ("won", "lost") else ""
        amount = "%d.%02d" % (rng.randrange(5, 900) * 1000 + rng.choice([0, 0, 0, 500, 990]),
                              rng.choice([0, 0, 0, 50, 99]))
        currency = rng.choice(["RUB"] * 8 + ["rub", "USD", "EUR", "usd"])
        rows.append(["D-%05d" % (2301 + i), stray_spaces(rng, messy_case(rng, p["email"])),
                     rng.choice(DEAL_TITLES), stage, amount, currency, str(prob),
                     created.strftime("%Y-%m-%d"), closed])
    good = [dict(zip(header, r)) for r in rows]
    lines = [csv_line(r, ";") for r in rows]
    bad = "D-02452;n.orlova@td-alfa.ru;Стеллажи; срочно;proposal;84000.00;RUB;50;2024-02-20;"
    lines.insert(88, bad)
    broken = [{"text": bad, "line": 88 + 2, "reason": "10 fields, the header has 9 (unquoted ';')"}]
    with open(os.path.join(DATA, "deals.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("\n".join([csv_line(header, ";")] + lines) + "\n")
    return good, broken


# ---------------------------------------------------------------- inventory


def make_inventory(rng):
    header = ["sku", "name", "warehouse", "qty", "price"]
    rows = []
    for i, (name, price) in enumerate(PRODUCTS):
        sku = "SKU-%04d" % (1001 + i)
        whs = WAREHOUSES if i % 3 != 2 else rng.sample(WAREHOUSES, 2)
        for wh in sorted(whs):
            rows.append([sku, name, wh, str(rng.randrange(0, 250)), price])
    # 1C exports a fractional stock with a decimal comma: cast int rejects it.
    bad_at = 41
    rows[bad_at][3] = "12,5"
    good = [dict(zip(header, r)) for r in rows]
    lines = [csv_line(r, ",") for r in rows]
    with open(os.path.join(DATA, "inventory.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("\n".join([csv_line(header, ",")] + lines) + "\n")
    cast_reject = {"text": lines[bad_at], "line": bad_at + 2, "reason": 'cast int: qty "12,5"'}
    return good, cast_reject


# ------------------------------------------------------------------- orders


def make_orders(rng, people, skus):
    guests = [{"name": n, "email": translit(n.replace(" ", ".")) + "@" + rng.choice(FREE_DOMAINS)}
              for n in ["Гость Покупатель", "Тимур Ахметов", "Zoe Clark", "Ринат Галиев",
                        "Вера Полякова", "Keanu Tanaka"]]
    start = datetime(2024, 4, 1)
    lines, n_order = [], 0
    while len(lines) < 292:
        n_order += 1
        cust = HERO if n_order % 17 == 1 else (rng.choice(guests) if rng.random() < 0.15
                                                else rng.choice(people))
        created = when(rng, start, 75)
        status = rng.choice(ORDER_STATUSES)
        city, zipc = rng.choice(CITIES)
        method = rng.choice(["courier", "courier", "post", "pickup"])
        shipping = {"method": method, "address": {"city": city, "zip": zipc}}
        if method == "pickup":
            shipping = {"method": "pickup", "point": "ПВЗ №%d" % rng.randrange(1, 40), "address": None}
        currency = rng.choice(["RUB"] * 11 + ["rub", None])
        email = stray_spaces(rng, messy_case(rng, cust["email"]), 0.25)
        name = stray_spaces(rng, cust["name"], 0.1)
        for ln, (sku, price) in enumerate(rng.sample(skus, rng.choice([1, 1, 1, 2, 2, 3, 4])), 1):
            rec = {
                "order_id": "SO-%06d" % (240000 + n_order),
                "line_no": ln,
                "created_at": created.strftime("%Y-%m-%dT%H:%M:%S+03:00"),
                "status": status,
                "customer_email": email,
                "customer_name": name,
                "sku": sku,
                "qty": str(rng.randrange(1, 6)) if rng.random() < 0.85 else rng.randrange(1, 6),
                "unit_price": price,
                "discount": rng.choice([0, "0.00", "5%", None, 150, "10.00"]),
                "currency": currency,
                "shipping": shipping,
            }
            if currency is None:
                del rec["currency"]
            if rng.random() < 0.1:
                rec["tags"] = rng.sample(["gift", "express", "b2b", "promo"], rng.randrange(1, 3))
            lines.append(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
    good = [json.loads(s) for s in lines]
    broken = []

    # A paid one-line order whose qty is not a number: the map's cast rejects it.
    n_order += 1
    abc = {"order_id": "SO-%06d" % (240000 + n_order), "line_no": 1,
           "created_at": "2024-05-17T13:02:11+03:00", "status": "paid",
           "customer_email": "Olga.Nikitina@Yandex.ru", "customer_name": "Ольга Никитина",
           "sku": skus[3][0], "qty": "abc", "unit_price": skus[3][1], "discount": 0,
           "currency": "RUB", "shipping": {"method": "courier", "address": {"city": "Москва", "zip": "101000"}}}
    abc_text = json.dumps(abc, ensure_ascii=False, separators=(",", ":"))
    lines.insert(133, abc_text)
    good.insert(133, abc)
    # Two paid/shipped lines the shop exported twice: the upsert keeps one
    # row each.
    for after, dst in ((20, 61), (200, 240)):
        src = next(i for i in range(after, dst) if good[i]["status"] in KEEP_STATUSES)
        lines.insert(dst, lines[src])
        good.insert(dst, json.loads(lines[src]))
    # Three lines that are not JSON at all.
    garbage = [
        (47, '{"order_id":"SO-240999","line_no":1,"created_at":"2024-04-18T11:00:00+03:00","status":"paid","customer_email":"x@y.ru","sku":"SKU-10'),
        (158, "{'order_id': 'SO-240998', 'line_no': 1, 'status': 'paid', 'qty': '2'}"),
        (277, '{"order_id":"SO-240997","line_no":1,"status":"shipped","qty":,"sku":"SKU-1002"}'),
    ]
    for pos, text in garbage:
        lines.insert(pos, text)
        good.insert(pos, None)
    for pos, text in garbage:
        broken.append({"text": text, "line": lines.index(text) + 1, "reason": "not valid JSON"})
    cast_reject = {"text": abc_text, "line": lines.index(abc_text) + 1, "reason": 'cast int: qty "abc"'}
    with open(os.path.join(DATA, "orders.jsonl"), "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines) + "\n")
    return [g for g in good if g is not None], broken, cast_reject


# ---------------------------------------------- what the pipeline should give


def norm_email(v):
    return v.strip().lower()


def expected_tables(contacts, deals, orders, inventory):
    tables = {}
    tables["contacts"] = {norm_email(r["email"]): r for r in contacts}
    tables["deals"] = {r["deal_id"]: r for r in deals}
    inv, inv_rejects = {}, 0
    for r in inventory:
        if cast_int(r["qty"]) is None:
            inv_rejects += 1
            continue
        inv[(r["sku"], r["warehouse"])] = dict(r, qty=cast_int(r["qty"]))
    tables["inventory"] = inv
    ords, ord_rejects, dropped = {}, 0, 0
    for r in orders:
        q = cast_int(r["qty"])
        if q is None:
            ord_rejects += 1
            continue
        if r["status"] not in KEEP_STATUSES:
            dropped += 1
            continue
        ords[(r["order_id"], r["line_no"])] = dict(r, qty=q, email=norm_email(r["customer_email"]))
    tables["orders"] = ords
    return tables, inv_rejects, ord_rejects, dropped


def money(rows):
    cents = sum(r["qty"] * round(float(r["unit_price"]) * 100) for r in rows)
    return "%d.%02d" % divmod(cents, 100)


def write_expected(tables, stats, broken_by_file, hero_orders):
    counts = {t: len(v) for t, v in sorted(tables.items())}
    dead = sum(len(v) for v in broken_by_file.values())
    exp = {
        "exit_code": 0,
        "tables": counts,
        "dead_letters": dead,
        "dead_letters_by_origin": {k: len(v) for k, v in sorted(broken_by_file.items())},
        "dead_letter_lines": {k: sorted(b["line"] for b in v) for k, v in sorted(broken_by_file.items())},
        "dead_letter_entries": sorted(({"origin": k, "line": b["line"], "stage": b["stage"]}
                                       for k, v in broken_by_file.items() for b in v),
                                      key=lambda e: (e["origin"], e["line"])),
        "input_records": stats["input"],
        "orders_dropped_by_filter": stats["dropped"],
        "orders_by_status": stats["by_status"],
        "orders_revenue": money(tables["orders"].values()),
        "hero": {"email": HERO["email"], "contacts_rows": 1, "order_lines": len(hero_orders),
                 "orders": len({r["order_id"] for r in hero_orders}), "revenue": money(hero_orders)},
    }
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(exp, f, ensure_ascii=False, indent=2)
        f.write("\n")

    md = ["# What the quickstart run must produce", "",
          "Generated by `make_data.py` from the same rows it writes into `data/`;",
          "do not edit by hand (run `python3 make_data.py` again). The same numbers",
          "are in `expected.json` for the end-to-end tests.", "",
          "`sluice run pipeline.json` exits with status 0: every bad row lands in",
          "`out/dead-letter.jsonl` and nothing is lost. The numbers are for a run",
          "into an empty `out/`: the dead-letter file is appended to by every run,",
          "while the tables are upserted on their keys, so a second run leaves",
          "them as they were.", "",
          "## Rows per table in `out/warehouse.db`", "",
          "| table | rows | key |", "|---|---:|---|"]
    keys = {"contacts": "email", "deals": "deal_id", "inventory": "sku, warehouse",
            "orders": "order_id, line_no"}
    for t, n in counts.items():
        md.append("| %s | %d | %s |" % (t, n, keys[t]))
    md += ["",
           "Records read per source (well-formed rows only): " +
           ", ".join("%s %d" % kv for kv in sorted(stats["input"].items())) + ".", "",
           "- contacts: %d rows read, %d of them repeat an e-mail already seen (other case,"
           " stray spaces) and update that row, so %d rows." % (
               stats["input"]["contacts"], stats["input"]["contacts"] - counts["contacts"], counts["contacts"]),
           "- orders: %d lines read; %d rejected by the cast, %d dropped by the filter"
           " (cancelled or pending), %d kept lines repeat a key and update that row, so %d rows." % (
               stats["input"]["orders"], stats["orders_cast_rejects"], stats["dropped"],
               stats["input"]["orders"] - stats["orders_cast_rejects"] - stats["dropped"] - counts["orders"],
               counts["orders"]),
           "- orders by status in the table: " +
           ", ".join("%s %d" % kv for kv in sorted(stats["by_status"].items())) + ".",
           "- inventory: %d rows read, %d rejected by the cast, so %d rows." % (
               stats["input"]["inventory"], stats["inventory_cast_rejects"], counts["inventory"]),
           "- `SELECT printf('%%.2f', SUM(qty * unit_price)) FROM orders` gives %s." % exp["orders_revenue"],
           "- %s: one row in contacts, %d order lines in %d orders, %s in total." % (
               HERO["email"], len(hero_orders), exp["hero"]["orders"], exp["hero"]["revenue"]),
           "", "## Dead letters: %d lines in `out/dead-letter.jsonl`" % dead, "",
           "Line numbers are 1-based as an editor shows them (the CSV header is line 1;",
           "a line break inside a quoted field counts). `stage` is the id in",
           "`pipeline.json` that rejected the row; the dead letter's `origin` is the",
           "input file (compare by its ending: the path may be absolute).", "",
           "| origin | line | stage | why | text |", "|---|---:|---|---|---|"]
    for origin, items in sorted(broken_by_file.items()):
        for b in sorted(items, key=lambda x: x["line"]):
            text = b["text"] if len(b["text"]) <= 70 else b["text"][:67] + "..."
            md.append("| %s | %d | %s | %s | `%s` |" % (origin, b["line"], b["stage"], b["reason"],
                                                        text.replace("|", "\\|")))
    md.append("")
    with open(os.path.join(HERE, "EXPECTED.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(md))
    return exp


def main():
    rng = random.Random(SEED)
    os.makedirs(DATA, exist_ok=True)
    header, c_lines, contacts, c_broken = make_contacts(rng)
    write_contacts(header, c_lines, c_broken)
    people = [{"name": c["name"].strip(), "email": norm_email(c["email"])} for c in contacts]
    deals, d_broken = make_deals(rng, people)
    inventory, inv_cast = make_inventory(rng)
    skus = sorted({(r["sku"], r["price"]) for r in inventory})
    orders, o_broken, o_cast = make_orders(rng, people, skus)

    tables, inv_rejects, ord_rejects, dropped = expected_tables(contacts, deals, orders, inventory)
    assert inv_rejects == 1 and ord_rejects == 1
    # The broken rows' people must not exist elsewhere, so a test can check
    # they are absent from the tables.
    for gone in ("p.kozlov@roga-kopyta.ru", "m.belova@yandex.ru", "egor.volkov@gmail.com",
                 "alena.z@inbox.ru"):
        assert gone not in tables["contacts"], gone
    assert "D-02452" not in tables["deals"]
    # Stage ids as in pipeline.json: sources reject what they cannot parse,
    # the maps what they cannot cast.
    for stage, items in (("crm", c_broken), ("deals", d_broken), ("shop", o_broken)):
        for b in items:
            b["stage"] = stage
    inv_cast["stage"] = "stock_clean"
    o_cast["stage"] = "orders_clean"
    broken = {"data/contacts.csv": c_broken, "data/deals.csv": d_broken,
              "data/orders.jsonl": o_broken + [o_cast], "data/inventory.csv": [inv_cast]}
    by_status = {}
    for r in tables["orders"].values():
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    hero_orders = [r for r in tables["orders"].values() if r["email"] == HERO["email"]]
    stats = {"input": {"contacts": len(contacts), "deals": len(deals), "orders": len(orders),
                       "inventory": len(inventory)},
             "dropped": dropped, "by_status": by_status,
             "orders_cast_rejects": ord_rejects, "inventory_cast_rejects": inv_rejects}
    exp = write_expected(tables, stats, broken, hero_orders)
    print(json.dumps(exp, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
