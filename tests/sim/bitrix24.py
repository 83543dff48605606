"""Bitrix24 REST simulator (docs/apis.md section 5).

Inbound webhook:  /rest/<--b24-user>/<--token>/<method>.json
OAuth app:        /rest/<method>.json?auth=<access token>   (auth may also be a POST field)
Parameters come from the query string (PHP brackets: filter[>DATE_MODIFY]=..&select[]=ID&order[ID]=ASC),
a form body or a JSON body, merged.

Methods: crm.{deal,contact,company,lead}.list / .get, crm.deal.productrows.get, crm.item.list,
catalog.product.list, catalog.storeproduct.list, catalog.store.list, profile, batch.
Lists: 50 per page, start=<offset>, body {"result":[...],"next":50,"total":N,"time":{...}};
the last page has no next; start=-1 skips the count (no total, no next).
Rate limit: a leaky bucket (50, draining 2/s) -> 503 QUERY_LIMIT_EXCEEDED; per-method operating time
over --b24-operating-limit seconds in 10 minutes -> 429 OPERATION_TIME_LIMIT.
"""

import re
import time
import urllib.parse

from common import (LeakyBucket, Meta, Sim, as_list, company_name, iso_offset, load_fixture, money,
                    parse_offset, parse_time, person, php_parse, product_name, rec_rng, stable_hash, template, to_int)

CRM = {"crm.deal": "deals", "crm.contact": "contacts", "crm.company": "companies", "crm.lead": "leads"}
ENTITY_TYPE = {1: "leads", 2: "deals", 3: "contacts", 4: "companies"}
MULTI = ("PHONE", "EMAIL", "WEB", "IM")
UF_FIELD = "UF_CRM_1700000001"
STORES = [(1, "Основной склад", "Москва, ул. Ленина, 1"), (11, "Склад СПб", "Санкт-Петербург, Невский пр., 10"),
          (12, "Пункт выдачи Казань", "Казань, ул. Баумана, 5")]
DEAL_STAGES = [("C1:NEW", "P"), ("C1:PREPARATION", "P"), ("C1:EXECUTING", "P"), ("C1:WON", "S"), ("C1:LOSE", "F")]
LEAD_STATUSES = [("NEW", "P"), ("IN_PROCESS", "P"), ("CONVERTED", "S"), ("JUNK", "F")]
OP = re.compile(r"^(>=|<=|!=|!@|=%|%=|>|<|=|!|%|@)?(.+)$")
CAMEL = {"ID": "id", "TITLE": "title", "DATE_CREATE": "createdTime", "DATE_MODIFY": "updatedTime",
         "ASSIGNED_BY_ID": "assignedById", "CREATED_BY_ID": "createdBy", "MODIFY_BY_ID": "updatedBy",
         "OPPORTUNITY": "opportunity", "CURRENCY_ID": "currencyId", "STAGE_ID": "stageId",
         "STATUS_ID": "stageId", "CATEGORY_ID": "categoryId", "COMPANY_ID": "companyId",
         "CONTACT_ID": "contactId", "NAME": "name", "LAST_NAME": "lastName", "SECOND_NAME": "secondName",
         "TYPE_ID": "typeId", "SOURCE_ID": "sourceId", "OPENED": "opened", "CLOSED": "closed",
         "CLOSEDATE": "closedate", "BEGINDATE": "begindate", "STAGE_SEMANTIC_ID": "stageSemanticId",
         "INDUSTRY": "industry", "REVENUE": "revenue", "COMPANY_TYPE": "typeId", "EXPORT": "export",
         UF_FIELD: "ufCrm1700000001"}


class B24Error(Exception):
    def __init__(self, status, code, desc):
        super().__init__(desc)
        self.status, self.code, self.desc = status, code, desc


def _kind(field):
    f = field.upper()
    if f.startswith("DATE") or f in ("CLOSEDATE", "BEGINDATE", "CREATEDTIME", "UPDATEDTIME", "TIMESTAMPX",
                                     "DATECREATE", "BIRTHDATE"):
        return "time"
    if f == "ID" or f.endswith("_ID") or f.endswith("ID") or f in ("OPPORTUNITY", "REVENUE", "AMOUNT",
                                                                    "PURCHASINGPRICE", "QUANTITY", "PRICE"):
        return "num"
    return "str"


class Bitrix24(Sim):
    """Bitrix24 REST simulator."""

    api = "bitrix24"
    objects = ("deals", "contacts", "companies", "leads", "products", "store_products")
    token_paths = ("/oauth/token",)
    ascii_json = True
    escape_slash = True   # PHP json_encode: "\/rest\/..." and \uXXXX

    @classmethod
    def add_args(cls, p):
        g = p.add_argument_group("bitrix24")
        g.add_argument("--b24-user", default="1", help="user id in the webhook path (default 1)")
        g.add_argument("--b24-bucket", type=float, default=50.0, help="leaky bucket size (default 50)")
        g.add_argument("--b24-leak", type=float, default=2.0, help="bucket drain per second (default 2)")
        g.add_argument("--b24-page-size", type=int, default=50, help="rows per list page (fixed 50 in Bitrix24)")
        g.add_argument("--b24-tz", default="+03:00", help="portal time zone of DATE_* fields")
        g.add_argument("--b24-operating-limit", type=float, default=480.0,
                       help="seconds of per-method operating time allowed in 10 minutes (then 429)")
        g.add_argument("--b24-op-cost", type=float, default=0.01,
                       help="operating seconds one list call costs (plus 0.001 per row)")

    def setup(self):
        self.off = parse_offset(self.cfg["b24_tz"])
        self.tpl_product = load_fixture(self.cfg["data_dir"], "bitrix24", "catalog.product.list.json")["result"]["products"][0]
        self.generate("companies", 1, 3)
        self.generate("contacts", 1, 2)
        self.generate("leads", 1, 2)
        self.generate("deals", 1, 3)
        self.generate("products", 1001, 2)
        n = self.cfg["_records"].get("store_products", 30)
        prods = self.colls["products"].ids

        def extra(i, rid):
            return {"productId": prods[(i // len(STORES)) % len(prods)] if prods else 0,
                    "storeId": STORES[i % len(STORES)][0]}
        self.generate("store_products", 1, 1, extra=extra, n=n)
        self.op_time = {}
        if self.cfg.get("with_fixtures"):
            self._add_fixtures()

    def _add_fixtures(self):
        for fname, coll in (("crm.deal.list.json", "deals"), ("crm.contact.list.json", "contacts"),
                            ("crm.company.list.json", "companies")):
            c = self.colls[coll]
            for r in load_fixture(self.cfg["data_dir"], "bitrix24", fname)["result"]:
                rid = 100000 + int(r["ID"])
                ts = parse_time(r.get("DATE_CREATE") or "2024-01-01T00:00:00+03:00")
                c.add(Meta(rid, ts, ts, {"fixture": r}))

    def new_extra(self, name, rid):
        if name == "store_products":
            prods = self.colls["products"].ids
            return {"productId": prods[rid % len(prods)] if prods else 0, "storeId": STORES[rid % len(STORES)][0]}
        return None

    def render_time(self, name, ms):
        return iso_offset(ms, self.off)

    # -- rendering ------------------------------------------------------------
    def _pick(self, name, why, key):
        ids = self.colls[name].ids
        return ids[stable_hash(self.seed, why, key) % len(ids)] if ids else None

    def _multi(self, rid, kind, values):
        return [{"ID": str(rid * 10 + i + (0 if kind == "PHONE" else 5)), "VALUE_TYPE": "WORK", "VALUE": v,
                 "TYPE_ID": kind} for i, v in enumerate(values)]

    def crm_record(self, name, m):
        """Every field of a CRM entity, Bitrix24 style (all scalars strings)."""
        if m.extra and "fixture" in m.extra:
            r = dict(m.extra["fixture"])
            r["ID"] = str(m.id)
            r["DATE_MODIFY"] = iso_offset(m.updated, self.off)
            return r
        rng = rec_rng(self.seed, name, m.id)
        s = self.seed
        t = lambda ms: iso_offset(ms, self.off)  # noqa: E731
        user = str(rng.choice([1, 1, 6, 8, 12]))
        base = {"ID": str(m.id), "ASSIGNED_BY_ID": user, "CREATED_BY_ID": user, "MODIFY_BY_ID": user,
                "DATE_CREATE": t(m.created), "DATE_MODIFY": t(m.updated), "OPENED": "Y"}
        if name == "deals":
            stage, sem = rng.choice(DEAL_STAGES)
            comp = self._pick("companies", "deal-company", m.id)
            cont = self._pick("contacts", "deal-contact", m.id)
            base.update({"TITLE": "Сделка: %s" % product_name(s, "b24/deal/%d" % m.id), "TYPE_ID": "SALE",
                         "CATEGORY_ID": "1", "STAGE_ID": stage, "STAGE_SEMANTIC_ID": sem, "IS_NEW": "N",
                         "PROBABILITY": None, "CURRENCY_ID": rng.choice(["RUB", "RUB", "USD"]),
                         "OPPORTUNITY": money(rng, 1000, 500000), "IS_MANUAL_OPPORTUNITY": "N",
                         "TAX_VALUE": "0.00", "COMPANY_ID": str(comp or 0), "CONTACT_ID": str(cont or 0),
                         "BEGINDATE": t(m.created), "CLOSEDATE": t(m.created + 30 * 86400000),
                         "CLOSED": "Y" if sem != "P" else "N", "COMMENTS": None, "SOURCE_ID": "WEB",
                         "LEAD_ID": None, UF_FIELD: rng.choice(["", "Опт", "Розница"])})
            return base
        if name == "leads":
            st, sem = rng.choice(LEAD_STATUSES)
            pe = person(s, "b24/leads/%d" % m.id)
            base.update({"TITLE": "Заявка с сайта №%d" % m.id, "NAME": pe["first"], "SECOND_NAME": pe["middle"],
                         "LAST_NAME": pe["last"], "STATUS_ID": st, "STATUS_SEMANTIC_ID": sem,
                         "OPPORTUNITY": money(rng, 0, 100000), "CURRENCY_ID": "RUB", "SOURCE_ID": "WEB",
                         "HAS_PHONE": "Y", "HAS_EMAIL": "Y", "PHONE": self._multi(m.id, "PHONE", [pe["phone"]]),
                         "EMAIL": self._multi(m.id, "EMAIL", [pe["email"]])})
            return base
        if name == "contacts":
            pe = person(s, "b24/contacts/%d" % m.id)
            comp = self._pick("companies", "contact-company", m.id)
            phones = [pe["phone"]] + ([person(s, "b24/p2/%d" % m.id)["phone"]] if rng.random() < 0.2 else [])
            base.update({"NAME": pe["first"], "SECOND_NAME": pe["middle"], "LAST_NAME": pe["last"],
                         "HONORIFIC": None, "POST": rng.choice(["Директор", "Менеджер", "Бухгалтер", None]),
                         "TYPE_ID": "CLIENT", "SOURCE_ID": "CALL", "COMPANY_ID": str(comp or 0), "EXPORT": "Y",
                         "HAS_PHONE": "Y", "HAS_EMAIL": "Y", "PHONE": self._multi(m.id, "PHONE", phones),
                         "EMAIL": self._multi(m.id, "EMAIL", [pe["email"]]), UF_FIELD: ""})
            return base
        # companies
        base.update({"TITLE": company_name(s, "b24/%d" % m.id), "COMPANY_TYPE": "CUSTOMER",
                     "INDUSTRY": rng.choice(["IT", "MANUFACTURING", "OTHER"]), "REVENUE": money(rng, 0, 1e7),
                     "CURRENCY_ID": "RUB", "HAS_PHONE": "Y", "HAS_EMAIL": "N",
                     "PHONE": self._multi(m.id, "PHONE", [person(s, "b24/cp/%d" % m.id)["phone"]]), UF_FIELD: ""})
        return base

    def product_record(self, m):
        rng = rec_rng(self.seed, "products", m.id)
        r = template(self.tpl_product)
        t = lambda ms: iso_offset(ms, self.off)  # noqa: E731
        name = product_name(self.seed, "b24/product/%d" % m.id)
        r.update({"id": m.id, "name": name, "code": "product-%d" % m.id, "xmlId": str(m.id), "iblockId": 23,
                  "iblockSectionId": rng.choice([47, 48, 49]), "dateCreate": t(m.created), "timestampX": t(m.updated),
                  "dateActiveFrom": None, "dateActiveTo": None, "purchasingCurrency": "RUB",
                  "purchasingPrice": rng.randint(100, 50000), "quantity": rng.randint(0, 200) + m.rev,
                  "quantityReserved": rng.randint(0, 3), "previewText": None, "detailText": None})
        for k in ("detailPicture", "previewPicture", "property258", "property259"):
            r.pop(k, None)
        return r

    def store_product_record(self, m):
        rng = rec_rng(self.seed, "store_products", m.id)
        ex = m.extra or {"productId": 0, "storeId": 1}
        return {"amount": rng.randint(0, 120) + m.rev, "id": m.id, "productId": ex["productId"],
                "storeId": ex["storeId"]}

    def render(self, name, m):
        if name in CRM.values():
            return self.crm_record(name, m)
        if name == "products":
            return self.product_record(m)
        return self.store_product_record(m)

    def item_record(self, name, m):
        """crm.item.list shape: camelCase keys, ids as numbers."""
        out = {}
        for k, v in self.crm_record(name, m).items():
            if k in MULTI:
                continue
            ck = CAMEL.get(k) or re.sub(r"_([a-z])", lambda x: x.group(1).upper(), k.lower())
            if v not in (None, "") and (ck == "id" or ck.endswith("Id") or ck == "createdBy" or ck == "updatedBy"):
                v = to_int(v, v)
            elif ck in ("opportunity", "revenue") and v is not None:
                v = float(v)
            out[ck] = v
        return out

    # -- vendor bodies --------------------------------------------------------
    def err(self, status, code, desc):
        return self.json(status, {"error": code, "error_description": desc})

    def error_body(self, status, req):
        return {"error": "INTERNAL_SERVER_ERROR", "error_description": "Internal server error"}

    def unauthorized(self, req, reason):
        req.ctx["auth_failed"] = True
        if reason == "expired":
            return self.err(401, "expired_token", "The access token provided has expired.")
        if reason == "webhook":
            return self.err(401, "INVALID_CREDENTIALS", "Invalid request credentials")
        if reason == "missing":
            return self.err(401, "NO_AUTH_FOUND", "Wrong authorization data")
        return self.err(401, "invalid_token", "The access token provided is invalid.")

    def native_throttle(self, req):
        return self.err(503, "QUERY_LIMIT_EXCEEDED", "Too many requests")

    def throttle_response(self, req, retry_after, status=429, as_date=False):
        if status == 503:
            r = self.native_throttle(req)
        else:
            r = self.err(status, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.")
        self.set_retry_after(r, retry_after, as_date)
        return r

    def oauth_body(self, status, body, grant):
        if status == 200:
            now = int(time.time())
            out = {"access_token": body["access_token"], "expires": now + int(body["expires_in"]),
                   "expires_in": body["expires_in"], "scope": "app", "domain": "oauth.bitrix.info",
                   "server_endpoint": "https://oauth.bitrix.info/rest/", "status": "L",
                   "client_endpoint": self.base_url + "/rest/", "member_id": "a223c6b3710f85df22e9377d6c4f7553",
                   "user_id": to_int(self.cfg["b24_user"], 1), "refresh_token": body.get("refresh_token")}
            return self.json(200, out)
        return self.json(400 if status != 401 else 401, {"error": body["error"],
                                                         "error_description": body.get("error_description", "")})

    # -- request plumbing -----------------------------------------------------
    PATH = re.compile(r"^/rest/(?:([^/]+)/([^/]+)/)?([A-Za-z0-9_.]+?)(?:\.(json|xml))?/?$")

    def route_key(self, req):
        m = self.PATH.match(req.path)
        return "/rest/" + m.group(3).lower() if m else req.path

    def params(self, req):
        p = php_parse(req.pairs)
        if req.body.strip():
            if req.content_type() == "application/json" or req.body.lstrip().startswith(b"{"):
                try:
                    body = req.json()
                except ValueError:
                    raise B24Error(400, "INVALID_REQUEST", "Invalid JSON")
                if isinstance(body, dict):
                    p.update(body)
            else:
                p.update(php_parse(req.form_pairs()))
        return p

    def authenticate(self, req):
        m = self.PATH.match(req.path)
        if not m:
            return None  # route() answers 404
        if m.group(1) is not None:
            if m.group(1) != str(self.cfg["b24_user"]) or m.group(2) != self.cfg["token"]:
                return self.unauthorized(req, "webhook")
            return None
        try:
            tok = self.params(req).get("auth")
        except B24Error as e:
            return self.err(e.status, e.code, e.desc)
        if not tok:
            return self.unauthorized(req, "missing")
        if tok == self.cfg["token"]:
            return None
        state = self.check_oauth_token(req, str(tok))
        return None if state == "ok" else self.unauthorized(req, state)

    def reconfigure(self):
        leak = self.cfg.get("rate") or self.cfg["b24_leak"]
        self.bucket = LeakyBucket(self.cfg["b24_bucket"], leak)
        self.op_time = {}

    def limit(self, req):
        ok, _, _ = self.bucket.take(time.monotonic())
        if not ok:
            req.ctx["throttled"] = True
            return self.native_throttle(req)
        return None

    def _time_block(self, t0, method):
        t1 = time.time()
        spent = self.op_time.get(method, [])
        fmt = lambda s: iso_offset(int(s * 1000), self.off)  # noqa: E731
        out = {"start": round(t0, 6), "finish": round(t1, 6), "duration": round(t1 - t0, 6),
               "processing": round(t1 - t0, 6), "date_start": fmt(t0), "date_finish": fmt(t1)}
        if spent:
            out["operating_reset_at"] = int(spent[0][0] + 600)
            out["operating"] = round(sum(c for _, c in spent), 6)
        else:
            out["operating"] = 0
        return out

    def route(self, req):
        m = self.PATH.match(req.path)
        if not m:
            return self.err(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
        method = m.group(3).lower()
        t0 = time.time()
        try:
            params = self.params(req)
            with self.lock:
                out = self.call(method, params, top=True)
        except B24Error as e:
            return self.err(e.status, e.code, e.desc)
        body = dict(out)
        with self.lock:
            body["time"] = self._time_block(t0, method)
        return self.json(200, body)

    def _operate(self, method, rows):
        now = time.time()
        spent = [x for x in self.op_time.get(method, []) if x[0] > now - 600]
        if sum(c for _, c in spent) > float(self.cfg["b24_operating_limit"]):
            self.op_time[method] = spent
            raise B24Error(429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.")
        spent.append((now, float(self.cfg["b24_op_cost"]) + 0.001 * rows))
        self.op_time[method] = spent

    def call(self, method, params, top=False):
        """-> {"result": ..., ["total"], ["next"]}; raises B24Error."""
        if method == "batch":
            if not top:
                raise B24Error(400, "ERROR_BATCH_METHOD_NOT_ALLOWED", "Batch call is not allowed in batch")
            return self.batch(params)
        ent, _, verb = method.rpartition(".")
        if ent in CRM and verb == "list":
            return self.crm_list(method, CRM[ent], params)
        if ent in CRM and verb == "get":
            return self.crm_get(CRM[ent], params)
        if method == "crm.deal.productrows.get":
            return self.productrows(params)
        if method == "crm.item.list":
            return self.item_list(method, params)
        if method == "catalog.product.list":
            return self.catalog_list(method, "products", "products", params)
        if method == "catalog.storeproduct.list":
            return self.catalog_list(method, "store_products", "storeProducts", params)
        if method == "catalog.store.list":
            stores = [{"id": sid, "title": t, "active": "Y", "address": a, "sort": 100, "code": None,
                       "xmlId": None, "isDefault": "Y" if i == 0 else "N", "dateModify": "2024-01-10T10:00:00+03:00",
                       "dateCreate": "2023-01-10T10:00:00+03:00"} for i, (sid, t, a) in enumerate(STORES)]
            return {"result": {"stores": stores}, "total": len(stores)}
        if method == "profile":
            return {"result": {"ID": str(self.cfg["b24_user"]), "ADMIN": True, "NAME": "Иван", "LAST_NAME": "Петров",
                               "PERSONAL_GENDER": "M", "TIME_ZONE": "", "TIME_ZONE_OFFSET": self.off * 60}}
        raise B24Error(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")

    # -- lists --------------------------------------------------------------
    @staticmethod
    def _filter_spec(params, upper=True):
        filt = params.get("filter")
        if filt is None or filt == "" or filt == []:
            return []
        if not isinstance(filt, dict):
            raise B24Error(400, "", "Parameter 'filter' must be array.")
        out = []
        for key, value in filt.items():
            m = OP.match(str(key))
            op, field = m.group(1) or "", m.group(2)
            out.append((op, field.upper() if upper else field, value))
        return out

    def _conv(self, field, v):
        """A filter or field value -> something comparable: epoch ms for
        dates, a float for numbers, else lower-case text."""
        k = _kind(field)
        if v is None or v == "":
            return None
        if isinstance(v, (list, dict)):
            return str(v).lower()
        if k == "time":
            if isinstance(v, (int, float)):
                return v
            try:
                return parse_time(v, self.off)
            except ValueError:
                raise B24Error(400, "", "Invalid value for field %s: %s" % (field, v))
        if k == "num":
            try:
                return float(v)
            except (TypeError, ValueError):
                pass
        return str(v).lower()

    def _match(self, m, spec, value):
        for op, field, want in spec:
            rv = value(m, field)
            rv = rv if isinstance(rv, (int, float)) or rv is None else self._conv(field, rv)
            if isinstance(want, (list, dict)):
                vals = [self._conv(field, x) for x in as_list(want)]
                hit = rv in vals
                if (op in ("!", "!@", "!=")) == hit:
                    return False
                continue
            w = self._conv(field, want)
            if op in ("%", "=%", "%="):
                if rv is None or w is None:
                    return False
                pat = str(w).strip("%")
                if not (pat in str(rv) if op == "%" else (str(rv).startswith(pat) if op == "=%" else str(rv).endswith(pat))):
                    return False
                continue
            if op in ("", "=", "@"):
                ok = rv == w
            elif op in ("!", "!=", "!@"):
                ok = rv != w
            elif rv is None or w is None:
                ok = False
            else:
                try:
                    ok = {">": rv > w, ">=": rv >= w, "<": rv < w, "<=": rv <= w}[op]
                except TypeError:   # a number against text
                    ok = False
            if not ok:
                return False
        return True

    def _order(self, metas, order, value, upper=True):
        if not isinstance(order, dict) or not order:
            return metas
        out = sorted(metas, key=lambda m: m.id)
        for field, direction in reversed(list(order.items())):
            f = field.upper() if upper else field

            def key(m, f=f):
                v = value(m, f)
                if v is not None and not isinstance(v, (int, float)):
                    v = self._conv(f, v)
                return (v is None, isinstance(v, str), v if v is not None else 0)
            out.sort(key=key, reverse=str(direction).upper() == "DESC")
        return out

    def _page(self, metas, params, render, key=None):
        start = to_int(params.get("start"), 0)
        size = int(self.cfg["b24_page_size"])
        if start == -1:
            rows = [render(m) for m in metas[:size]]
            return {"result": rows if key is None else {key: rows}}, len(rows)
        start = max(0, start)
        rows = [render(m) for m in metas[start:start + size]]
        out = {"result": rows if key is None else {key: rows}}
        if start + size < len(metas):
            out["next"] = start + size
        out["total"] = len(metas)
        return out, len(rows)

    def _valuer(self, name, render, fast):
        cache = {}

        def value(m, field):
            if field in fast:
                return getattr(m, fast[field])
            if m.id not in cache:
                cache[m.id] = render(m)
            return cache[m.id].get(field)
        return value

    @staticmethod
    def _select(params, upper=True):
        sel = as_list(params.get("select"))
        return [s.upper() if upper else s for s in sel if isinstance(s, str)]

    def crm_list(self, method, name, params):
        spec = self._filter_spec(params)
        self._operate(method, 0)
        c = self.colls[name]
        value = self._valuer(name, lambda m: self.crm_record(name, m),
                             {"DATE_MODIFY": "updated", "DATE_CREATE": "created", "ID": "id"})
        metas = [m for m in c.live() if self._match(m, spec, value)] if spec else c.live()
        order = params.get("order") or {"ID": "ASC"}
        if order and not isinstance(order, dict):
            raise B24Error(400, "", "Parameter 'order' must be array.")
        metas = self._order(metas, order, value)
        sel = self._select(params)

        def render(m):
            full = self.crm_record(name, m)
            if not sel or sel == ["*"]:
                return {k: v for k, v in full.items() if k not in MULTI and not k.startswith("UF_")}
            out = {}
            want_all = "*" in sel
            want_uf = "UF_*" in sel
            for k, v in full.items():
                if k in sel or (want_all and k not in MULTI and not k.startswith("UF_")) or (
                        want_uf and k.startswith("UF_")):
                    out[k] = v
            return out
        out, n = self._page(metas, params, render)
        self.count_served(name, n)
        return out

    def crm_get(self, name, params):
        m = self.colls[name].get(to_int(params.get("id") or params.get("ID"), -1))
        if m is None or m.deleted:
            raise B24Error(400, "", "Not found")
        return {"result": self.crm_record(name, m)}

    def productrows(self, params):
        did = to_int(params.get("id"), -1)
        m = self.colls["deals"].get(did)
        if m is None:
            raise B24Error(400, "", "Not found")
        rows = []
        for k in range(1 + stable_hash(self.seed, "rows", did) % 3):
            pid = self._pick("products", "row-%d" % k, did)
            rng = rec_rng(self.seed, "row-%d" % k, did)
            price = float(money(rng, 100, 20000))
            qty = float(rng.randint(1, 10))
            rows.append({"ID": str(did * 10 + k), "OWNER_ID": str(did), "OWNER_TYPE": "D", "PRODUCT_ID": pid,
                         "PRODUCT_NAME": product_name(self.seed, "b24/product/%d" % pid) if pid else "Товар",
                         "ORIGINAL_PRODUCT_NAME": product_name(self.seed, "b24/product/%d" % pid) if pid else "Товар",
                         "PRODUCT_DESCRIPTION": None, "PRICE": price, "PRICE_EXCLUSIVE": price,
                         "PRICE_NETTO": price, "PRICE_BRUTTO": price, "PRICE_ACCOUNT": "%.2f" % price,
                         "QUANTITY": qty, "DISCOUNT_TYPE_ID": 2, "DISCOUNT_RATE": 0, "DISCOUNT_SUM": 0,
                         "TAX_RATE": None, "TAX_INCLUDED": "N", "CUSTOMIZED": "Y", "MEASURE_CODE": 796,
                         "MEASURE_NAME": "шт", "SORT": 10 * (k + 1), "XML_ID": None, "TYPE": 1, "STORE_ID": None,
                         "RESERVE_ID": None, "DATE_RESERVE_END": None, "RESERVE_QUANTITY": None})
        return {"result": rows}

    def item_list(self, method, params):
        et = to_int(params.get("entityTypeId"))
        name = ENTITY_TYPE.get(et)
        if name is None:
            raise B24Error(400, "NOT_FOUND", "Smart process not found")
        spec = self._filter_spec(params, upper=False)
        self._operate(method, 0)
        render_full = lambda m: self.item_record(name, m)  # noqa: E731
        value = self._valuer(name, render_full, {"updatedTime": "updated", "createdTime": "created", "id": "id"})
        metas = self.colls[name].live()
        if spec:
            metas = [m for m in metas if self._match(m, spec, value)]
        metas = self._order(metas, params.get("order") or {"id": "ASC"}, value, upper=False)
        sel = self._select(params, upper=False)

        def render(m):
            full = render_full(m)
            if not sel or "*" in sel:
                return full
            return {k: v for k, v in full.items() if k in sel or k == "id"}
        out, n = self._page(metas, params, render, key="items")
        self.count_served(name, n)
        return out

    def catalog_list(self, method, name, key, params):
        spec = self._filter_spec(params, upper=False)
        self._operate(method, 0)
        render_full = self.product_record if name == "products" else self.store_product_record
        fast = {"timestampX": "updated", "dateCreate": "created", "id": "id"} if name == "products" else {"id": "id"}
        value = self._valuer(name, render_full, fast)
        metas = self.colls[name].live()
        if spec:
            metas = [m for m in metas if self._match(m, spec, value)]
        metas = self._order(metas, params.get("order") or {"id": "ASC"}, value, upper=False)
        sel = self._select(params, upper=False)

        def render(m):
            full = render_full(m)
            if not sel or "*" in sel:
                return full
            return {k: v for k, v in full.items() if k in sel}
        out, n = self._page(metas, params, render, key=key)
        self.count_served(name, n)
        return out

    # -- batch ----------------------------------------------------------------
    REF = re.compile(r"\$result\[([^\]]+)\]((?:\[[^\]]*\])*)")

    def _subst(self, text, results):
        def rep(m):
            cur = results.get(m.group(1))
            for k in re.findall(r"\[([^\]]*)\]", m.group(2)):
                if isinstance(cur, list):
                    cur = cur[int(k)] if k.isdigit() and int(k) < len(cur) else None
                elif isinstance(cur, dict):
                    cur = cur.get(k)
                else:
                    cur = None
            return "" if cur is None else str(cur)
        return self.REF.sub(rep, text)

    def batch(self, params):
        cmd = params.get("cmd")
        if isinstance(cmd, list):
            cmd = {str(i): c for i, c in enumerate(cmd)}
        if not isinstance(cmd, dict) or not cmd:
            raise B24Error(400, "INVALID_ARG_VALUE", "Parameter 'cmd' must be a non-empty array.")
        if len(cmd) > 50:
            raise B24Error(400, "ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded")
        halt = str(params.get("halt", "0")).lower() in ("1", "true", "y")
        res, errs, totals, nexts, times = {}, {}, {}, {}, {}
        for name, text in cmd.items():
            t0 = time.time()
            text = self._subst(str(text), res)
            method, _, q = text.partition("?")
            method = method.strip().lower()
            if method.endswith(".json"):
                method = method[:-5]
            sub = php_parse(urllib.parse.parse_qsl(q, keep_blank_values=True))
            try:
                out = self.call(method, sub)
            except B24Error as e:
                errs[name] = {"error": e.code, "error_description": e.desc}
                if halt:
                    break
                continue
            res[name] = out["result"]
            if "total" in out:
                totals[name] = out["total"]
            if "next" in out:
                nexts[name] = out["next"]
            times[name] = self._time_block(t0, method)
        # PHP sends an empty array as [] and a filled one as an object
        return {"result": {"result": res or [], "result_error": errs or [], "result_total": totals or [],
                           "result_next": nexts or [], "result_time": times or []}}


SIM = Bitrix24
