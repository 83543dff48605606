"""amoCRM / Kommo API v4 simulator (docs/apis.md section 4).

  GET /api/v4/leads | contacts | companies   page, limit <= 250, filter[updated_at][from|to],
                                             filter[created_at][...], filter[id], order[updated_at|created_at|id],
                                             with=contacts,catalog_elements (leads), with=leads (contacts)
  GET /api/v4/{leads|contacts|companies}/{id}, /api/v4/leads/{id}/links
  GET /api/v4/catalogs, /api/v4/catalogs/{id}/elements
  GET /api/v4/leads/pipelines, /api/v4/events?filter[type]=lead_deleted, /api/v4/account
  POST /oauth2/access_token (JSON; also /oauth/token)

HAL bodies: _page, _links.self/next(/prev), _embedded.<entity>. The last page
has no _links.next; an empty page (no match, or past the end) is 204 No
Content with no body. With --amo-next-on-full (the default) a full page
always carries next, so a client that reads to the end meets the 204.
Auth: Authorization: Bearer <--token> (long-lived token) or an OAuth access
token. Rate limit 7 requests/s -> 429 (no Retry-After); optional IP block
(403) after repeated 429s.
"""

import json
import re
import time

from common import (Response, Sim, WindowLimiter, as_list, company_name, load_fixture, money, person, php_parse,
                    product_name, rec_rng, stable_hash, template, to_int)

ENTITY = {"leads": "lead", "contacts": "contact", "companies": "company"}
PIPELINE_ID = 5000001
CATALOG_ID = 4521
STATUSES = [(7000001, "Неразобранное", 1), (7000002, "Первичный контакт", 0), (7000003, "Переговоры", 0),
            (7000004, "Принимают решение", 0), (142, "Успешно реализовано", 0), (143, "Закрыто и не реализовано", 0)]
SOURCES = ["Сайт", "Звонок", "Рекомендация", "Выставка"]


class AmoCRM(Sim):
    """amoCRM / Kommo API v4 simulator."""

    api = "amocrm"
    objects = ("leads", "contacts", "companies", "catalog_elements")
    token_paths = ("/oauth/token", "/oauth2/access_token")
    ascii_json = True   # PHP's json_encode: Cyrillic arrives as \\uXXXX

    @classmethod
    def add_args(cls, p):
        g = p.add_argument_group("amocrm")
        g.add_argument("--amo-rate", type=float, default=7.0, help="requests per second (default 7)")
        g.add_argument("--amo-exact-next", dest="amo_next_on_full", action="store_false",
                       help="_links.next only when more records exist (default: on every full page)")
        g.add_argument("--amo-block-after", type=int, default=0,
                       help="after this many 429s within a minute, answer 403 to everything (0: never)")
        g.add_argument("--amo-block-s", type=float, default=60.0, help="how long the IP block lasts")
        g.add_argument("--amo-account-id", type=int, default=28805383)
        g.add_argument("--amo-utf8", dest="ascii_json", action="store_false",
                       help="send Cyrillic as UTF-8 instead of \\u escapes")

    def setup(self):
        self.tpl = load_fixture(self.cfg["data_dir"], "amocrm", "templates.json")
        self.generate("companies", 3000001, 4)
        self.generate("contacts", 2000001, 4)
        self.generate("catalog_elements", 400001, 2)
        self.generate("leads", 1000001, 6)
        self.blocked_until = 0.0
        self.recent_429 = []

    # -- rendering ----------------------------------------------------------
    def _pick(self, name, why, key):
        ids = self.colls[name].ids
        return ids[stable_hash(self.seed, why, key) % len(ids)] if ids else None

    def _href(self, path):
        return {"self": {"href": self.base_url + path}}

    def lead_contacts(self, lid):
        out = []
        for k in range(stable_hash(self.seed, "lead-nc", lid) % 3):
            c = self._pick("contacts", "lead-contact-%d" % k, lid)
            if c is not None and c not in out:
                out.append(c)
        return out

    def lead_elements(self, lid):
        out = []
        for k in range(stable_hash(self.seed, "lead-ne", lid) % 4):
            e = self._pick("catalog_elements", "lead-el-%d" % k, lid)
            if e is not None and e not in [x[0] for x in out]:
                out.append((e, 1 + stable_hash(self.seed, "qty", lid, e) % 5))
        return out

    def contact_leads(self, cid):
        c = self.__dict__.setdefault("_contact_leads", {})
        ver = self.colls["leads"].version
        if c.get("_ver") != ver:
            c.clear()
            c["_ver"] = ver
            for lid in self.colls["leads"].ids:
                for ct in self.lead_contacts(lid):
                    c.setdefault(ct, []).append(lid)
        return c.get(cid, [])

    def render(self, name, m, with_=()):
        rng = rec_rng(self.seed, name, m.id)
        s = self.seed
        uid = 504141 + rng.randint(0, 5)
        acc = self.cfg["amo_account_id"]
        created, updated = m.created // 1000, m.updated // 1000
        if name == "leads":
            r = template(self.tpl["lead"])
            st = rng.choice(STATUSES)[0]
            r.update({"id": m.id, "name": "Сделка: %s" % product_name(s, "amo/lead/%d" % m.id),
                      "price": rng.randint(0, 500) * 100, "responsible_user_id": uid, "group_id": 0,
                      "status_id": st, "pipeline_id": PIPELINE_ID,
                      "loss_reason_id": 9000001 if st == 143 else None, "created_by": uid, "updated_by": uid,
                      "created_at": created, "updated_at": updated,
                      "closed_at": updated if st in (142, 143) else None,
                      "closest_task_at": updated + 86400 if rng.random() < 0.3 else None,
                      "custom_fields_values": [{"field_id": 100, "field_name": "Источник", "field_code": None,
                                                "field_type": "select",
                                                "values": [{"value": rng.choice(SOURCES), "enum_id": 501}]}]
                      if rng.random() < 0.5 else None,
                      "account_id": acc, "_links": self._href("/api/v4/leads/%d" % m.id)})
            comp = self._pick("companies", "lead-company", m.id)
            emb = {"tags": [{"id": 1, "name": "опт", "color": None}] if rng.random() < 0.2 else [],
                   "companies": [{"id": comp, "_links": self._href("/api/v4/companies/%d" % comp)}] if comp else []}
            if "contacts" in with_:
                emb["contacts"] = [{"id": c, "is_main": i == 0, "_links": self._href("/api/v4/contacts/%d" % c)}
                                   for i, c in enumerate(self.lead_contacts(m.id))]
            if "catalog_elements" in with_:
                emb["catalog_elements"] = [{"id": e, "metadata": {"quantity": q, "catalog_id": CATALOG_ID}}
                                           for e, q in self.lead_elements(m.id)]
            if "loss_reason" in with_:
                emb["loss_reason"] = [{"id": 9000001, "name": "Дорого"}] if r["loss_reason_id"] else []
            r["_embedded"] = emb
            return r
        if name == "contacts":
            r = template(self.tpl["contact"])
            pe = person(s, "amo/contacts/%d" % m.id)
            cf = template(r["custom_fields_values"])
            cf[0]["values"][0]["value"] = pe["phone"]
            cf[1]["values"][0]["value"] = pe["email"]
            if rng.random() < 0.15:
                cf[0]["values"].append({"value": person(s, "amo/phone2/%d" % m.id)["phone"], "enum_id": 3,
                                        "enum_code": "MOB"})
            r.update({"id": m.id, "name": "%s %s" % (pe["first"], pe["last"]), "first_name": pe["first"],
                      "last_name": pe["last"], "responsible_user_id": uid, "created_by": uid, "updated_by": uid,
                      "created_at": created, "updated_at": updated, "custom_fields_values": cf,
                      "account_id": acc, "_links": self._href("/api/v4/contacts/%d" % m.id)})
            comp = self._pick("companies", "contact-company", m.id)
            emb = {"tags": [], "companies": [{"id": comp, "_links": self._href("/api/v4/companies/%d" % comp)}]
                   if comp and rng.random() < 0.7 else []}
            if "leads" in with_:
                emb["leads"] = [{"id": lid, "_links": self._href("/api/v4/leads/%d" % lid)}
                                for lid in self.contact_leads(m.id)]
            r["_embedded"] = emb
            return r
        if name == "companies":
            r = template(self.tpl["company"])
            r.update({"id": m.id, "name": company_name(s, "amo/%d" % m.id), "responsible_user_id": uid,
                      "created_by": uid, "updated_by": uid, "created_at": created, "updated_at": updated,
                      "custom_fields_values": [{"field_id": 3, "field_name": "Телефон", "field_code": "PHONE",
                                                "field_type": "multitext",
                                                "values": [{"value": person(s, "amo/cphone/%d" % m.id)["phone"],
                                                            "enum_id": 1, "enum_code": "WORK"}]}],
                      "account_id": acc, "_links": self._href("/api/v4/companies/%d" % m.id)})
            return r
        r = template(self.tpl["catalog_element"])
        r.update({"id": m.id, "name": product_name(s, "amo/el/%d" % m.id), "created_by": uid, "updated_by": uid,
                  "created_at": created, "updated_at": updated, "catalog_id": CATALOG_ID, "account_id": acc,
                  "_links": self._href("/api/v4/catalogs/%d/elements/%d" % (CATALOG_ID, m.id))})
        r["custom_fields_values"][0]["values"][0]["value"] = "SKU-%06d" % m.id
        r["custom_fields_values"][1]["values"][0]["value"] = money(rng, 100, 90000, 0)
        return r

    def render_time(self, name, ms):
        return ms // 1000

    # -- vendor bodies --------------------------------------------------------
    def problem(self, status, title, detail, extra=None):
        body = {"title": title, "type": "https://httpstatus.es/%d" % status, "status": status, "detail": detail}
        if extra:
            body.update(extra)
        return self.json(status, body, ctype="application/problem+json")

    def error_body(self, status, req):
        return {"title": "Internal Server Error" if status == 500 else "Service Unavailable",
                "type": "https://httpstatus.es/%d" % status, "status": status, "detail": "Internal Server Error"}

    def unauthorized(self, req, reason):
        req.ctx["auth_failed"] = True
        return self.problem(401, "Unauthorized", "Unauthorized")

    def throttle_response(self, req, retry_after, status=429, as_date=False):
        r = self.problem(status, "Too Many Requests", "Too Many Requests")
        self.set_retry_after(r, retry_after, as_date)
        return r

    def native_throttle(self, req):
        return self.problem(429, "Too Many Requests", "Too Many Requests")

    def oauth_body(self, status, body, grant):
        if status == 200:
            return self.json(200, {"token_type": "Bearer", "expires_in": body["expires_in"],
                                   "access_token": body["access_token"], "refresh_token": body.get("refresh_token")})
        hint = {"invalid_grant": "Token has been revoked" if grant == "refresh_token" else
                "Authorization code has been revoked", "invalid_client": "Client authentication failed"}
        return self.json(status if status in (400, 401) else 400, {
            "hint": hint.get(body["error"], body.get("error_description", "")),
            "title": "Некорректный запрос" if status == 400 else "Unauthorized",
            "type": "https://developers.amocrm.ru/v3/errors/OAuthProblemJson", "status": status,
            "detail": "В запросе отсутствует ряд параметров или параметры невалидны",
            "error": body["error"]}, ctype="application/problem+json")

    def hal(self, obj):
        return Response(200, json.dumps(obj, ensure_ascii=self.cfg.get("ascii_json", True),
                                        separators=(",", ":")).encode(), ctype="application/hal+json")

    # -- auth and limits ----------------------------------------------------------
    def authenticate(self, req):
        tok = req.bearer()
        if not tok:
            return self.unauthorized(req, "missing")
        if tok == self.cfg["token"]:
            return None
        state = self.check_oauth_token(req, tok)
        return None if state == "ok" else self.unauthorized(req, state)

    def reconfigure(self):
        rate = self.cfg.get("rate") or self.cfg["amo_rate"]
        self.window = WindowLimiter(max(1, int(round(rate))), 1.0)
        self.blocked_until = 0.0
        self.recent_429 = []

    def limit(self, req):
        now = time.monotonic()
        if now < self.blocked_until:
            req.ctx["throttled"] = True
            return self.problem(403, "Forbidden", "Your IP address is blocked")
        ok, _, _ = self.window.take(now)
        if ok:
            return None
        req.ctx["throttled"] = True
        n = int(self.cfg.get("amo_block_after") or 0)
        if n > 0:
            self.recent_429 = [t for t in self.recent_429 if t > now - 60] + [now]
            if len(self.recent_429) >= n:
                self.blocked_until = now + float(self.cfg["amo_block_s"])
                self.recent_429 = []
        return self.native_throttle(req)

    # -- routes -------------------------------------------------------------
    def route(self, req):
        p = req.path.rstrip("/")
        if req.method != "GET":
            return self.problem(405, "Method Not Allowed", "Method Not Allowed")
        m = re.fullmatch(r"/api/v4/(leads|contacts|companies)", p)
        if m:
            return self.list_entities(req, m.group(1), m.group(1), m.group(1))
        m = re.fullmatch(r"/api/v4/(leads|contacts|companies)/(\d+)", p)
        if m:
            return self.get_one(req, m.group(1), int(m.group(2)))
        m = re.fullmatch(r"/api/v4/leads/(\d+)/links", p)
        if m:
            return self.links(req, int(m.group(1)))
        if p == "/api/v4/leads/pipelines":
            return self.pipelines()
        if p == "/api/v4/catalogs":
            return self.hal({"_page": 1, "_links": self._href("/api/v4/catalogs"), "_embedded": {"catalogs": [
                {"id": CATALOG_ID, "name": "Товары", "created_by": 504141, "updated_by": 504141,
                 "created_at": 1590745569, "updated_at": 1590745569, "sort": 10, "type": "products",
                 "can_add_elements": True, "can_show_in_cards": True, "can_link_multiple": True,
                 "can_be_deleted": False, "sdk_widget_code": None, "account_id": self.cfg["amo_account_id"],
                 "_links": self._href("/api/v4/catalogs/%d" % CATALOG_ID)}]}})
        m = re.fullmatch(r"/api/v4/catalogs/(\d+)/elements", p)
        if m:
            if int(m.group(1)) != CATALOG_ID:
                return self.problem(404, "Not Found", "Catalog not found")
            return self.list_entities(req, "catalog_elements", "elements", p[len("/api/v4/"):])
        if p == "/api/v4/events":
            return self.events(req)
        if p == "/api/v4/account":
            return self.hal({"id": self.cfg["amo_account_id"], "name": "Симулятор", "subdomain": "example",
                             "created_at": 1582117331, "created_by": 504141, "updated_at": 1590943929,
                             "updated_by": 504141, "current_user_id": 504141, "country": "RU",
                             "currency": "RUB", "currency_symbol": "₽", "customers_mode": "disabled",
                             "is_unsorted_on": True, "mobile_feature_version": 0, "is_loss_reason_enabled": True,
                             "is_helpbot_enabled": False, "is_technical_account": False,
                             "contact_name_display_order": 1, "_links": self._href("/api/v4/account")})
        return self.problem(404, "Not Found", "Not Found")

    def _page_args(self, req, max_limit=250):
        page = to_int(req.arg("page", "1"))
        limit = to_int(req.arg("limit", "50"))
        errs = []
        if page is None or page < 1:
            errs.append({"code": "InvalidPage", "path": "page", "detail": "page must be a positive integer"})
        if limit is None or limit < 1 or limit > max_limit:
            errs.append({"code": "NotValidLimit", "path": "limit",
                         "detail": "This value should be between 1 and %d." % max_limit})
        if errs:
            return None, None, self.problem(400, "Bad Request", "Request validation failed",
                                            {"validation-errors": [{"request_id": "0", "errors": errs}]})
        return page, limit, None

    @staticmethod
    def _range(spec):
        """filter[x][from]/[to] or filter[x]=v -> (lo, hi) unix seconds (inclusive)."""
        if isinstance(spec, dict):
            lo = to_int(spec.get("from"))
            hi = to_int(spec.get("to"))
            return lo, hi
        v = to_int(spec)
        return v, v

    def _select(self, req, name):
        params = php_parse(req.pairs)
        filt = params.get("filter") or {}
        order = params.get("order") or {}
        metas = self.colls[name].live()
        if isinstance(filt, dict):
            for fld, attr in (("updated_at", "updated"), ("created_at", "created")):
                if fld in filt:
                    lo, hi = self._range(filt[fld])
                    metas = [m for m in metas if (lo is None or getattr(m, attr) // 1000 >= lo)
                             and (hi is None or getattr(m, attr) // 1000 <= hi)]
            if "id" in filt:
                ids = {to_int(x) for x in as_list(filt["id"])}
                metas = [m for m in metas if m.id in ids]
        if isinstance(order, dict) and order:
            fld, direction = next(iter(order.items()))
            attr = {"updated_at": "updated", "created_at": "created", "id": "id"}.get(fld)
            if attr:
                metas = sorted(metas, key=lambda m: (getattr(m, attr), m.id),
                               reverse=str(direction).lower() == "desc")
        return metas

    def _with(self, req):
        out = set()
        for v in req.arg_all("with"):
            out.update(x.strip() for x in v.split(",") if x.strip())
        return out

    def list_entities(self, req, name, key, path):
        page, limit, err = self._page_args(req)
        if err:
            return err
        with self.lock:
            metas = self._select(req, name)
            start = (page - 1) * limit
            chunk = metas[start:start + limit]
            if not chunk:
                return Response(204, b"", ctype=None)
            w = self._with(req)
            items = [self.render(name, m, w) for m in chunk]
        more = start + limit < len(metas) or (self.cfg.get("amo_next_on_full", True) and len(chunk) == limit)
        links = {"self": {"href": self._page_url(req, page, limit)}}
        if more:
            links["next"] = {"href": self._page_url(req, page + 1, limit)}
        if page > 1:
            links["prev"] = {"href": self._page_url(req, page - 1, limit)}
        self.count_served(name, len(items))
        return self.hal({"_page": page, "_links": links, "_embedded": {key: items}})

    def _page_url(self, req, page, limit):
        params = [(k, v) for k, v in req.pairs if k not in ("page", "limit")]
        return self.url(req.path, [("page", page), ("limit", limit)] + params)

    def get_one(self, req, name, rid):
        m = self.colls[name].get(rid)
        if m is None or m.deleted:
            return Response(204, b"", ctype=None)
        return self.hal(self.render(name, m, self._with(req)))

    def links(self, req, lid):
        m = self.colls["leads"].get(lid)
        if m is None or m.deleted:
            return Response(204, b"", ctype=None)
        out = [{"to_entity_id": e, "to_entity_type": "catalog_elements",
                "metadata": {"quantity": q, "catalog_id": CATALOG_ID}} for e, q in self.lead_elements(lid)]
        out += [{"to_entity_id": c, "to_entity_type": "contacts", "metadata": {"main_contact": i == 0}}
                for i, c in enumerate(self.lead_contacts(lid))]
        comp = self._pick("companies", "lead-company", lid)
        if comp:
            out.append({"to_entity_id": comp, "to_entity_type": "companies", "metadata": None})
        if not out:
            return Response(204, b"", ctype=None)
        return self.hal({"_total_items": len(out), "_links": self._href("/api/v4/leads/%d/links" % lid),
                         "_embedded": {"links": out}})

    def pipelines(self):
        acc = self.cfg["amo_account_id"]
        statuses = [{"id": sid, "name": nm, "sort": 10 * (i + 1), "is_editable": sid not in (142, 143) and t == 0,
                     "pipeline_id": PIPELINE_ID, "color": "#99ccff", "type": t, "account_id": acc,
                     "_links": self._href("/api/v4/leads/pipelines/%d/statuses/%d" % (PIPELINE_ID, sid))}
                    for i, (sid, nm, t) in enumerate(STATUSES)]
        return self.hal({"_total_items": 1, "_links": self._href("/api/v4/leads/pipelines"), "_embedded": {
            "pipelines": [{"id": PIPELINE_ID, "name": "Воронка", "sort": 1, "is_main": True, "is_unsorted_on": True,
                           "is_archive": False, "account_id": acc,
                           "_links": self._href("/api/v4/leads/pipelines/%d" % PIPELINE_ID),
                           "_embedded": {"statuses": statuses}}]}})

    def events(self, req):
        page, limit, err = self._page_args(req, 100)
        if err:
            return err
        filt = php_parse(req.pairs).get("filter") or {}
        types = set(as_list(filt.get("type"))) if isinstance(filt, dict) and filt.get("type") else None
        lo, hi = self._range(filt.get("created_at")) if isinstance(filt, dict) and "created_at" in filt else (None, None)
        evs = []
        with self.lock:
            for name in ("leads", "contacts", "companies"):
                et = "%s_deleted" % ENTITY[name]
                if types is not None and et not in types:
                    continue
                for m in self.colls[name].deleted():
                    ts = m.updated // 1000
                    if (lo is None or ts >= lo) and (hi is None or ts <= hi):
                        evs.append((ts, m.id, et, ENTITY[name], name))
        evs.sort(reverse=True)
        start = (page - 1) * limit
        chunk = evs[start:start + limit]
        if not chunk:
            return Response(204, b"", ctype=None)
        items = [{"id": "01e%013x" % stable_hash(e[2], e[1]), "type": e[2], "entity_id": e[1], "entity_type": e[3],
                  "created_by": 504141, "created_at": e[0], "value_after": [], "value_before": [],
                  "account_id": self.cfg["amo_account_id"], "_links": self._href("/api/v4/events/%d" % e[1]),
                  "_embedded": {"entity": {"id": e[1], "_links": self._href("/api/v4/%s/%d" % (e[4], e[1]))}}}
                 for e in chunk]
        links = {"self": {"href": self._page_url(req, page, limit)}}
        if start + limit < len(evs):
            links["next"] = {"href": self._page_url(req, page + 1, limit)}
        return self.hal({"_page": page, "_links": links, "_embedded": {"events": items}})


SIM = AmoCRM
