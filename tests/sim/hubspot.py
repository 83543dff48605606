"""HubSpot CRM v3 simulator (docs/apis.md section 1).

  GET  /crm/v3/objects/{type}?limit&after&properties&associations&archived
  GET  /crm/v3/objects/{type}/{id}
  POST /crm/v3/objects/{type}/search      filterGroups, sorts, query, limit <= 200, after; 10 000 cap
  POST /crm/v3/objects/{type}/batch/read  <= 100 ids; 207 when some are missing
  GET  /crm/v4/objects/{type}/{id}/associations/{toType}
  GET  /crm/v3/properties/{type}
  POST /oauth/v1/token                    (and /oauth/token) refresh_token, client_credentials

Types: contacts companies deals products line_items (also 0-1 0-2 0-3 0-7 0-8).
Auth: Authorization: Bearer <--token> (private app) or an access token from
the token endpoint. Rate limit: --hubspot-limit per --hubspot-window-s
(100 per 10 s) with X-HubSpot-RateLimit-* headers, search --hubspot-search-rate/s
(5) without them; 429 with HubSpot's JSON body and no Retry-After.
"""

import bisect
import json
import re
import time

from common import (Meta, Response, Sim, WindowLimiter, as_list, company_name, correlation_id,
                    iso_z_ms, load_fixture, money, now_ms, parse_time, person, product_name, rec_rng,
                    stable_hash, to_int, translit)

SINGULAR = {"contacts": "contact", "companies": "company", "deals": "deal", "products": "product",
            "line_items": "line_item"}
ALIASES = {"0-1": "contacts", "0-2": "companies", "0-3": "deals", "0-7": "products", "0-8": "line_items",
           "contact": "contacts", "company": "companies", "deal": "deals", "product": "products",
           "line_item": "line_items"}
OBJECT_TYPE_ID = {"contacts": "0-1", "companies": "0-2", "deals": "0-3", "products": "0-7", "line_items": "0-8"}
# HUBSPOT_DEFINED association type ids (from -> to)
ASSOC_TYPE_ID = {("deals", "companies"): 5, ("companies", "deals"): 6, ("deals", "contacts"): 3,
                 ("contacts", "deals"): 4, ("deals", "line_items"): 19, ("line_items", "deals"): 20,
                 ("contacts", "companies"): 1, ("companies", "contacts"): 2}

PROPS = {
    "contacts": ["email", "firstname", "lastname", "phone", "company", "lifecyclestage", "hubspot_owner_id",
                 "city", "country", "website", "createdate", "lastmodifieddate", "hs_object_id"],
    "companies": ["name", "domain", "industry", "city", "country", "annualrevenue", "phone", "hubspot_owner_id",
                  "createdate", "hs_lastmodifieddate", "hs_object_id"],
    "deals": ["dealname", "amount", "dealstage", "pipeline", "closedate", "hubspot_owner_id",
              "deal_currency_code", "createdate", "hs_lastmodifieddate", "hs_object_id"],
    "products": ["name", "price", "hs_sku", "description", "createdate", "hs_lastmodifieddate", "hs_object_id"],
    "line_items": ["name", "quantity", "price", "amount", "hs_product_id", "hs_sku", "createdate",
                   "hs_lastmodifieddate", "hs_object_id"],
}
DEFAULT_PROPS = {
    "contacts": ["firstname", "lastname", "email", "createdate", "lastmodifieddate", "hs_object_id"],
    "companies": ["name", "domain", "createdate", "hs_lastmodifieddate", "hs_object_id"],
    "deals": ["dealname", "amount", "dealstage", "pipeline", "closedate", "createdate", "hs_lastmodifieddate",
              "hs_object_id"],
    "products": ["name", "price", "description", "createdate", "hs_lastmodifieddate", "hs_object_id"],
    "line_items": ["name", "quantity", "price", "amount", "createdate", "hs_lastmodifieddate", "hs_object_id"],
}
TIME_PROPS = {"createdate", "lastmodifieddate", "hs_lastmodifieddate", "closedate", "hs_createdate"}
NUM_PROPS = {"hs_object_id", "amount", "price", "quantity", "annualrevenue", "hs_product_id"}
OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY",
             "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}
STAGES = ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin",
          "contractsent", "closedwon", "closedlost"]
LIFECYCLE = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"]


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


class HubSpot(Sim):
    """HubSpot CRM v3 simulator."""

    api = "hubspot"
    objects = ("contacts", "companies", "deals", "products", "line_items")
    token_paths = ("/oauth/token", "/oauth/v1/token")

    @classmethod
    def add_args(cls, p):
        g = p.add_argument_group("hubspot")
        g.add_argument("--hubspot-limit", type=int, default=100,
                       help="requests per window (default 100 per 10 s: a Free/Starter private app)")
        g.add_argument("--hubspot-window-s", type=float, default=10.0, help="the rolling window (default 10)")
        g.add_argument("--hubspot-search-rate", type=float, default=5.0, help="search requests per second (default 5)")
        g.add_argument("--hubspot-daily", type=int, default=250000, help="requests per day (default 250000)")
        g.add_argument("--hubspot-search-cap", type=int, default=10000, help="results one search may page through")
        g.add_argument("--hubspot-portal", type=int, default=44237313, help="portal id used in record urls")

    # -- data ---------------------------------------------------------------
    def setup(self):
        # contacts: ids 1001, ... (the fixture's 1, 51, 101, 501 stay free for --with-fixtures)
        self.generate("contacts", 1001, 60, gran_ms=1)
        self.generate("companies", 9000000001, 10, gran_ms=1)
        self.generate("products", 1500000001, 5, gran_ms=1)
        deals = self.generate("deals", 12000000001, 10, gran_ms=1)
        items = self.generate("line_items", 3000000001, 3, gran_ms=1)
        self.assoc = {}
        for d in deals.ids:
            self._link_deal(d)
        for i in items.ids:
            self._link_item(i)
        for c in self.colls["contacts"].ids:
            comp = self._pick("companies", "contact-company", c)
            if comp is not None:
                self._link(("contacts", c), ("companies", comp))
        if self.cfg.get("with_fixtures"):
            self._add_fixtures()
        self.search_cache = {}

    def _pick(self, name, why, key):
        ids = self.colls[name].ids
        return ids[stable_hash(self.seed, why, key) % len(ids)] if ids else None

    def _link(self, a, b):
        self.assoc.setdefault(a, {}).setdefault(b[0], []).append(b[1])
        self.assoc.setdefault(b, {}).setdefault(a[0], []).append(a[1])

    def _link_deal(self, d):
        comp = self._pick("companies", "deal-company", d)
        if comp is not None:
            self._link(("deals", d), ("companies", comp))
        for k in range(1 + stable_hash(self.seed, "deal-ncontacts", d) % 2):
            ct = self._pick("contacts", "deal-contact-%d" % k, d)
            if ct is not None and ct not in self.assoc.get(("deals", d), {}).get("contacts", []):
                self._link(("deals", d), ("contacts", ct))

    def _link_item(self, i):
        d = self._pick("deals", "item-deal", i)
        if d is not None:
            self._link(("line_items", i), ("deals", d))

    def on_change(self, name, ids, op):
        if op == "create":
            for rid in ids:
                if name == "deals":
                    self._link_deal(rid)
                elif name == "line_items":
                    self._link_item(rid)

    def _add_fixtures(self):
        c = self.colls["contacts"]
        seen = set()
        for f in ("read_objects-api_contacts-response.json", "search_contacts_1-first-page.json",
                  "search_contacts_2-second-page.json"):
            for r in load_fixture(self.cfg["data_dir"], "hubspot", f)["results"]:
                rid = int(r["id"])
                if rid in seen or rid in c.metas:
                    continue
                seen.add(rid)
                c.add(Meta(rid, parse_time(r["createdAt"]), parse_time(r["updatedAt"]),
                           {"fixture": r["properties"]}))

    def render_time(self, name, ms):
        return iso_z_ms(ms)

    def props_of(self, otype, m):
        """Every property of a record (strings or null); generated once per
        revision of the record and cached (building them is most of a page's
        cost, and the benchmark measures the client, not the simulator)."""
        key = (otype, m.id, m.rev, m.updated, m.created)
        cache = self.__dict__.setdefault("_props_cache", {})
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = self._props_of(otype, m)
        return hit

    def _props_of(self, otype, m):
        created, updated = iso_z_ms(m.created), iso_z_ms(m.updated)
        if m.extra and "fixture" in m.extra:
            p = dict(m.extra["fixture"])
            p["createdate"] = created
            p["lastmodifieddate"] = updated
            p["hs_object_id"] = str(m.id)
            return p
        rng = rec_rng(self.seed, otype, m.id)
        s = self.seed
        if otype == "contacts":
            pe = person(s, "hubspot/contacts/%d" % m.id)
            comp = self.assoc.get(("contacts", m.id), {}).get("companies")
            return {"email": pe["email"], "firstname": pe["first"], "lastname": pe["last"],
                    "phone": pe["phone"] if rng.random() < 0.8 else None,
                    "company": company_name(s, "hubspot/%d" % comp[0]) if comp else None,
                    "lifecyclestage": rng.choice(LIFECYCLE),
                    "hubspot_owner_id": str(rng.randint(100, 110)) if rng.random() < 0.7 else None,
                    "city": pe["city"], "country": "Россия" if not pe["latin"] else "Germany",
                    "website": None, "createdate": created, "lastmodifieddate": updated, "hs_object_id": str(m.id)}
        if otype == "companies":
            name = company_name(s, "hubspot/%d" % m.id)
            slug = re.sub(r"[^a-z0-9]+", "", translit(name.split("«")[-1]).lower()) or "company"
            return {"name": name, "domain": "%s%d.ru" % (slug, m.id % 1000),
                    "industry": rng.choice(["RETAIL", "WHOLESALE", "CONSTRUCTION", "COMPUTER_SOFTWARE", None]),
                    "city": rng.choice(["Москва", "Казань", "Самара", "Berlin"]), "country": "Россия",
                    "annualrevenue": str(rng.randint(1, 900) * 100000) if rng.random() < 0.6 else None,
                    "phone": person(s, "hubspot/companyphone/%d" % m.id)["phone"],
                    "hubspot_owner_id": str(rng.randint(100, 110)),
                    "createdate": created, "hs_lastmodifieddate": updated, "hs_object_id": str(m.id)}
        if otype == "deals":
            stage = rng.choice(STAGES)
            return {"dealname": "Поставка: %s" % product_name(s, "hubspot/deal/%d" % m.id),
                    "amount": money(rng, 500, 250000) if rng.random() < 0.9 else None,
                    "dealstage": stage, "pipeline": "default",
                    "closedate": iso_z_ms(m.created + rng.randint(1, 90) * 86400000)
                    if stage.startswith("closed") else None,
                    "hubspot_owner_id": str(rng.randint(100, 110)),
                    "deal_currency_code": rng.choice(["RUB", "RUB", "RUB", "USD", "EUR"]),
                    "createdate": created, "hs_lastmodifieddate": updated, "hs_object_id": str(m.id)}
        if otype == "products":
            return {"name": product_name(s, "hubspot/product/%d" % m.id), "price": money(rng, 99, 99999),
                    "hs_sku": "SKU-%06d" % (m.id % 1000000), "description": "Товар №%d" % m.id,
                    "createdate": created, "hs_lastmodifieddate": updated, "hs_object_id": str(m.id)}
        # line_items
        prod = self._pick("products", "item-product", m.id)
        pm = self.colls["products"].get(prod) if prod else None
        pp = self.props_of("products", pm) if pm else {"name": "Товар", "price": "100.00", "hs_sku": None}
        qty = rng.randint(1, 12)
        return {"name": pp["name"], "quantity": str(qty), "price": pp["price"],
                "amount": "%.2f" % (qty * float(pp["price"])), "hs_product_id": str(prod) if prod else None,
                "hs_sku": pp["hs_sku"], "createdate": created, "hs_lastmodifieddate": updated,
                "hs_object_id": str(m.id)}

    def record(self, otype, m, props=None, assoc=None, search=False):
        allp = self.props_of(otype, m)
        if props is None:
            keys = DEFAULT_PROPS[otype]
        else:
            keys = [p for p in props if p in allp]
            for must in ("createdate", "lastmodifieddate" if otype == "contacts" else "hs_lastmodifieddate",
                         "hs_object_id"):
                if must not in keys:
                    keys.append(must)
        rec = {"id": str(m.id), "properties": {k: allp.get(k) for k in keys},
               "createdAt": iso_z_ms(m.created), "updatedAt": iso_z_ms(m.updated), "archived": m.deleted}
        if m.deleted:
            rec["archivedAt"] = iso_z_ms(m.updated)
        if search:
            rec["url"] = "https://app.hubspot.com/contacts/%d/record/%s/%d" % (
                self.cfg["hubspot_portal"], OBJECT_TYPE_ID[otype], m.id)
        if assoc:
            out = {}
            for to in assoc:
                ids = self.assoc.get((otype, m.id), {}).get(to)
                if ids:
                    out[to] = {"results": [{"id": str(i), "type": "%s_to_%s" % (SINGULAR[otype], SINGULAR[to])}
                                           for i in ids]}
            if out:
                rec["associations"] = out
        return rec

    def render(self, name, meta):
        return self.record(name, meta, PROPS[name])

    # -- vendor bodies ------------------------------------------------------
    def error(self, status, message, category, extra=None, headers=None):
        body = {"status": "error", "message": message, "correlationId": correlation_id(), "category": category}
        if extra:
            body.update(extra)
        return self.json(status, body, headers)

    def error_body(self, status, req):
        return {"status": "error", "message": "internal error" if status == 500 else "Service unavailable",
                "correlationId": correlation_id(), "category": "INTERNAL_ERROR" if status == 500 else "UNAVAILABLE"}

    def unauthorized(self, req, reason):
        req.ctx["auth_failed"] = True
        hdr = [("X-HubSpot-Auth-Failure", "401 Unauthorized")]
        if reason == "expired":
            return self.error(401, "The OAuth token used to make this call expired 1 second(s) ago.",
                              "EXPIRED_AUTHENTICATION", {"context": {}}, hdr)
        return self.error(401, "Authentication credentials not found. This API supports OAuth 2.0 authentication "
                               "and you can find more details at "
                               "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                          "INVALID_AUTHENTICATION", None, hdr)

    def _ratelimit_body(self, policy):
        msg = {"TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
               "SECONDLY": "You have reached your secondly limit.",
               "DAILY": "You have reached your daily limit."}[policy]
        return {"status": "error", "message": msg, "errorType": "RATE_LIMIT", "correlationId": correlation_id(),
                "policyName": policy}

    def _policy(self):
        return "TEN_SECONDLY_ROLLING" if self.window.window >= 10 else "SECONDLY"

    def throttle_response(self, req, retry_after, status=429, as_date=False):
        r = self.json(status, self._ratelimit_body(self._policy()))
        self.set_retry_after(r, retry_after, as_date)
        return r

    def native_throttle(self, req):
        return self.json(429, self._ratelimit_body(self._policy()))

    def oauth_body(self, status, body, grant):
        if status == 200:
            out = {"token_type": "bearer", "refresh_token": body.get("refresh_token"),
                   "access_token": body["access_token"], "expires_in": body["expires_in"]}
            if out["refresh_token"] is None:
                del out["refresh_token"]
            return self.json(200, out)
        code = {"invalid_client": "BAD_CLIENT_ID", "invalid_grant": "BAD_REFRESH_TOKEN" if grant == "refresh_token"
                else "BAD_AUTH_CODE", "unsupported_grant_type": "BAD_GRANT_TYPE"}.get(body["error"], "BAD_REQUEST")
        return self.json(400 if status != 401 else 401,
                         {"status": code, "message": body.get("error_description", ""),
                          "correlationId": correlation_id(), "error": body["error"],
                          "error_description": body.get("error_description", "")})

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
        rate = self.cfg.get("rate")
        if rate:
            self.window = WindowLimiter(max(1, int(round(rate))), 1.0)
            self.search_window = WindowLimiter(max(1, int(round(rate))), 1.0)
        else:
            self.window = WindowLimiter(self.cfg["hubspot_limit"], self.cfg["hubspot_window_s"])
            self.search_window = WindowLimiter(max(1, int(round(self.cfg["hubspot_search_rate"]))), 1.0)
        self.daily_used = 0
        self.search_cache = {}

    @staticmethod
    def _is_search(req):
        return req.method == "POST" and req.path.rstrip("/").endswith("/search")

    def limit(self, req):
        now = time.monotonic()
        if self._is_search(req):
            ok, _, _ = self.search_window.take(now)
            if not ok:
                req.ctx["throttled"] = True
                return self.json(429, self._ratelimit_body("SECONDLY"))
            return None
        if self.daily_used >= self.cfg["hubspot_daily"]:
            req.ctx["throttled"] = True
            req.ctx["rl_remaining"] = 0
            return self.json(429, self._ratelimit_body("DAILY"))
        ok, remaining, _ = self.window.take(now)
        req.ctx["rl_remaining"] = remaining
        if not ok:
            req.ctx["throttled"] = True
            return self.json(429, self._ratelimit_body(self._policy()))
        self.daily_used += 1
        return None

    def limit_headers(self, req, resp):
        if self._is_search(req) or "rl_remaining" not in req.ctx:
            return
        resp.add("X-HubSpot-RateLimit-Daily", self.cfg["hubspot_daily"])
        resp.add("X-HubSpot-RateLimit-Daily-Remaining", max(0, self.cfg["hubspot_daily"] - self.daily_used))
        resp.add("X-HubSpot-RateLimit-Interval-Milliseconds", int(self.window.window * 1000))
        resp.add("X-HubSpot-RateLimit-Max", self.window.limit)
        resp.add("X-HubSpot-RateLimit-Remaining", req.ctx["rl_remaining"])

    # -- routes -------------------------------------------------------------
    def route(self, req):
        p = req.path.rstrip("/")
        m = re.fullmatch(r"/crm/v3/objects/([^/]+)(?:/(search|batch/read|[^/]+))?", p)
        if m:
            otype = ALIASES.get(m.group(1), m.group(1))
            if otype not in self.colls:
                return self.error(400, "Unable to infer object type from: %s" % m.group(1), "VALIDATION_ERROR")
            sub = m.group(2)
            if sub is None and req.method == "GET":
                return self.list_objects(req, otype)
            if sub == "search" and req.method == "POST":
                return self.search(req, otype)
            if sub == "batch/read" and req.method == "POST":
                return self.batch_read(req, otype)
            if sub and sub not in ("search", "batch/read") and req.method == "GET":
                return self.get_one(req, otype, sub)
            return self.error(405, "Method not allowed", "VALIDATION_ERROR")
        m = re.fullmatch(r"/crm/v4/objects/([^/]+)/([^/]+)/associations/([^/]+)", p)
        if m and req.method == "GET":
            return self.assoc_v4(req, ALIASES.get(m.group(1), m.group(1)), m.group(2),
                                 ALIASES.get(m.group(3), m.group(3)))
        m = re.fullmatch(r"/crm/v3/properties/([^/]+)", p)
        if m and req.method == "GET":
            otype = ALIASES.get(m.group(1), m.group(1))
            if otype not in PROPS:
                return self.error(400, "Unable to infer object type from: %s" % m.group(1), "VALIDATION_ERROR")
            return self.json(200, {"results": [
                {"name": n, "label": n, "type": "datetime" if n in TIME_PROPS else
                 ("number" if n in NUM_PROPS else "string"),
                 "fieldType": "date" if n in TIME_PROPS else ("number" if n in NUM_PROPS else "text"),
                 "groupName": SINGULAR[otype] + "information", "hidden": False} for n in PROPS[otype]]})
        return self.not_found(req)

    def not_found(self, req):
        return Response(404, b"", ctype="text/plain")

    @staticmethod
    def requested_props(req):
        vals = req.arg_all("properties")
        if not vals:
            return None
        out = []
        for v in vals:
            out += [x.strip() for x in v.split(",") if x.strip()]
        return out

    def list_objects(self, req, otype):
        limit = to_int(req.arg("limit", "10"))
        if limit is None or limit < 1 or limit > 100:
            return self.error(400, "limit must be between 1 and 100, got %s" % req.arg("limit"), "VALIDATION_ERROR")
        archived = (req.arg("archived") or "false").lower() == "true"
        props = self.requested_props(req)
        assoc = []
        for v in req.arg_all("associations"):
            assoc += [ALIASES.get(x.strip(), x.strip()) for x in v.split(",") if x.strip()]
        c = self.colls[otype]
        with self.lock:
            metas = c.deleted() if archived else c.live()
            start = 0
            after = req.arg("after")
            if after not in (None, ""):
                aid = to_int(after)
                if aid is None:
                    return self.error(400, "Invalid after: %s" % after, "VALIDATION_ERROR")
                start = bisect.bisect_left(metas, aid, key=lambda x: x.id)
            page = metas[start:start + limit]
            nxt = str(metas[start + limit].id) if start + limit < len(metas) else None
        # render outside the lock: concurrent clients' pages are built in
        # parallel as far as the interpreter allows, as a real API serves them
        results = [self.record(otype, x, props, assoc) for x in page]
        body = {"results": results}
        if nxt is not None:
            params = [(k, v) for k, v in req.pairs if k != "after"] + [("after", nxt)]
            body["paging"] = {"next": {"after": nxt, "link": self.url(req.path, params)}}
        self.count_served(otype, len(results))
        return self.json(200, body)

    def get_one(self, req, otype, rid):
        m = self.colls[otype].get(to_int(rid, -1))
        archived = (req.arg("archived") or "false").lower() == "true"
        if m is None or m.deleted != archived:
            return self.error(404, "Object not found.  objectId are usually numeric.", "OBJECT_NOT_FOUND",
                              {"context": {"id": [rid]}})
        assoc = []
        for v in req.arg_all("associations"):
            assoc += [ALIASES.get(x.strip(), x.strip()) for x in v.split(",") if x.strip()]
        return self.json(200, self.record(otype, m, self.requested_props(req), assoc))

    def batch_read(self, req, otype):
        try:
            body = req.json()
            inputs = body["inputs"]
        except (ValueError, KeyError, TypeError):
            return self.error(400, "Invalid input JSON on line 1", "VALIDATION_ERROR")
        if len(inputs) > 100:
            return self.error(400, "Batch input limit of 100 exceeded: %d" % len(inputs), "VALIDATION_ERROR")
        props = body.get("properties") or None
        started = iso_z_ms(now_ms())
        results, missing = [], []
        for it in inputs:
            rid = str(it.get("id", "")) if isinstance(it, dict) else str(it)
            m = self.colls[otype].get(to_int(rid, -1))
            if m is None or m.deleted:
                missing.append(rid)
            else:
                results.append(self.record(otype, m, props))
        out = {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": iso_z_ms(now_ms())}
        self.count_served(otype, len(results))
        if missing:
            out["numErrors"] = 1
            out["errors"] = [{"status": "error", "category": "OBJECT_NOT_FOUND",
                              "message": "Could not get some %s objects, they may be deleted or not exist. "
                                         "Check that ids are valid." % SINGULAR[otype].upper(),
                              "context": {"ids": missing}}]
            return self.json(207, out)
        return self.json(200, out)

    def assoc_v4(self, req, otype, rid, to):
        if otype not in self.colls or to not in self.colls:
            return self.error(400, "Unable to infer object type from: %s" % (to if otype in self.colls else otype),
                              "VALIDATION_ERROR")
        m = self.colls[otype].get(to_int(rid, -1))
        if m is None:
            return self.error(404, "Object not found.", "OBJECT_NOT_FOUND")
        ids = sorted(self.assoc.get((otype, m.id), {}).get(to, []))
        limit = min(500, to_int(req.arg("limit", "500"), 500))
        start = 0
        if req.arg("after"):
            start = bisect.bisect_left(ids, to_int(req.arg("after"), 0))
        page = ids[start:start + limit]
        tid = ASSOC_TYPE_ID.get((otype, to), 0)
        body = {"results": [{"toObjectId": i, "associationTypes": [
            {"category": "HUBSPOT_DEFINED", "typeId": tid, "label": None}]} for i in page]}
        if start + limit < len(ids):
            nxt = str(ids[start + limit])
            body["paging"] = {"next": {"after": nxt, "link": self.url(req.path, [("after", nxt), ("limit", limit)])}}
        return self.json(200, body)

    # -- search -------------------------------------------------------------
    def search(self, req, otype):
        try:
            body = req.json()
            if not isinstance(body, dict):
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            return self.error(400, "Invalid input JSON on line 1, column 1", "VALIDATION_ERROR")
        limit = body.get("limit", 10)
        if not isinstance(limit, int) or limit < 1 or limit > 200:
            return self.error(400, "limit must be between 1 and 200, got %s" % limit, "VALIDATION_ERROR")
        after = body.get("after")
        offset = 0
        if after not in (None, ""):
            offset = to_int(after)
            if offset is None or offset < 0:
                return self.error(400, "Invalid after: %s" % after, "VALIDATION_ERROR")
        cap = int(self.cfg["hubspot_search_cap"])
        if offset >= cap:
            return self.error(400, "There was a problem with the request. Search results are limited to %d; "
                                   "after=%d is past the end." % (cap, offset), "VALIDATION_ERROR")
        groups = body.get("filterGroups") or []
        bad = self._check_groups(groups)
        if bad:
            return self.error(400, bad, "VALIDATION_ERROR")
        sorts = body.get("sorts") or []
        try:
            with self.lock:
                matches = self._matches(otype, groups, sorts, body.get("query"))
        except ValueError as e:
            return self.error(400, str(e), "VALIDATION_ERROR")
        page = matches[offset:min(offset + limit, cap)]
        props = body.get("properties") or None
        out = {"total": len(matches), "results": [self.record(otype, m, props, search=True) for m in page]}
        if offset + len(page) < len(matches):
            out["paging"] = {"next": {"after": str(offset + len(page))}}
        self.count_served(otype, len(page))
        return self.json(200, out)

    @staticmethod
    def _check_groups(groups):
        if not isinstance(groups, list):
            return "filterGroups must be a list"
        if len(groups) > 5:
            return "Too many filter groups: %d (the maximum is 5)" % len(groups)
        total = 0
        for g in groups:
            fl = g.get("filters") or [] if isinstance(g, dict) else None
            if fl is None:
                return "a filter group must be an object with filters"
            if len(fl) > 10:
                return "Too many filters in a group: %d (the maximum is 10)" % len(fl)
            total += len(fl)
            for f in fl:
                if not isinstance(f, dict) or "propertyName" not in f:
                    return "a filter needs propertyName"
                if str(f.get("operator", "EQ")).upper() not in OPERATORS:
                    return "Invalid operator %s" % f.get("operator")
        if total > 25:
            return "Too many filters: %d (the maximum is 25)" % total
        return None

    def _matches(self, otype, groups, sorts, query):
        c = self.colls[otype]
        key = (otype, c.version, json.dumps(groups, sort_keys=True), json.dumps(sorts, sort_keys=True), query)
        hit = self.search_cache.get(key)
        if hit is not None:
            return hit
        cache = {}

        def value(m, prop):
            if prop in ("lastmodifieddate", "hs_lastmodifieddate"):
                return m.updated
            if prop in ("createdate", "hs_createdate"):
                return m.created
            if prop in ("hs_object_id", "id"):
                return m.id
            if m.id not in cache:
                cache[m.id] = self.props_of(otype, m)
            v = cache[m.id].get(prop)
            if v is not None and prop in TIME_PROPS:
                return parse_time(v)
            return v

        out = []
        for m in c.live():
            if groups and not any(all(self._match(f, m, value) for f in (g.get("filters") or [])) for g in groups):
                continue
            if query:
                q = str(query).lower()
                if not any(q in str(value(m, p) or "").lower() for p in DEFAULT_PROPS[otype][:3]):
                    continue
            out.append(m)
        for s in reversed(sorts[:1]):
            if isinstance(s, str):
                prop, desc = s.lstrip("-"), s.startswith("-")
            else:
                prop, desc = s.get("propertyName", "hs_object_id"), str(s.get("direction", "ASCENDING")).upper() == "DESCENDING"

            def skey(m, prop=prop):
                v = value(m, prop)
                n = _num(v) if not isinstance(v, int) else v
                return (v is None, n if n is not None else 0, "" if n is not None else str(v).lower())
            out.sort(key=skey, reverse=desc)
        if len(self.search_cache) > 16:
            self.search_cache.clear()
        self.search_cache[key] = out
        return out

    @staticmethod
    def _norm(prop, v):
        if v is None:
            return None
        if prop in TIME_PROPS:
            try:
                return parse_time(v)
            except ValueError:
                raise ValueError("%s is not a valid date for %s" % (v, prop))
        return v

    def _match(self, f, m, value):
        op = str(f.get("operator", "EQ")).upper()
        prop = f["propertyName"]
        rv = value(m, prop)
        if op == "HAS_PROPERTY":
            return rv not in (None, "")
        if op == "NOT_HAS_PROPERTY":
            return rv in (None, "")
        if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
            tok = str(f.get("value", "")).lower().strip("*")
            hit = rv is not None and tok in str(rv).lower()
            return hit if op == "CONTAINS_TOKEN" else not hit
        if op in ("IN", "NOT_IN"):
            vals = [self._norm(prop, x) for x in as_list(f.get("values"))]
            hit = any(self._cmp(rv, x) == 0 for x in vals)
            return hit if op == "IN" else not hit
        if op == "BETWEEN":
            lo, hi = self._norm(prop, f.get("value")), self._norm(prop, f.get("highValue"))
            return rv is not None and self._cmp(rv, lo) >= 0 and self._cmp(rv, hi) <= 0
        v = self._norm(prop, f.get("value"))
        if rv is None:
            return op == "NEQ"
        c = self._cmp(rv, v)
        return {"EQ": c == 0, "NEQ": c != 0, "LT": c < 0, "LTE": c <= 0, "GT": c > 0, "GTE": c >= 0}[op]

    @staticmethod
    def _cmp(a, b):
        if a is None or b is None:
            return -2 if a is None else 2
        na, nb = (_num(a), _num(b))
        if na is not None and nb is not None:
            return (na > nb) - (na < nb)
        sa, sb = str(a).lower(), str(b).lower()
        return (sa > sb) - (sa < sb)


SIM = HubSpot
