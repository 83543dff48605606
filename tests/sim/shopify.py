"""Shopify Admin REST simulator (docs/apis.md section 6).

  GET /admin/api/{version}/orders.json      status=open(default)|closed|cancelled|any, financial_status,
                                            fulfillment_status, updated_at_min/max, created_at_min/max,
                                            since_id, ids, order=<field> asc|desc, fields, limit <= 250
  GET /admin/api/{version}/customers.json | products.json | inventory_levels.json | locations.json
  GET /admin/api/{version}/{orders,customers,products}/{id}.json, .../count.json, inventory_items.json, shop.json
  POST /admin/oauth/access_token (and /oauth/token)

Auth: X-Shopify-Access-Token: <--token> (or a token from the token endpoint).
Pagination: Link: <...page_info=...>; rel="previous", <...>; rel="next"; a page_info request may carry
only limit and fields (anything else -> 400); no rel="next" on the last page, no Link at all on a
single page. Unsupported API versions are served as the oldest supported one (X-Shopify-API-Version).
Rate limit: leaky bucket 40, leaking 2/s; X-Shopify-Shop-Api-Call-Limit: n/40 on every response;
full -> 429, Retry-After: 2.0.
"""

import bisect
import hashlib
import math
import re
import time

from common import (LeakyBucket, Meta, Sim, as_list, b64url, company_name, iso_offset, load_fixture,
                    money, parse_offset, parse_time, person, product_name, rec_rng, stable_hash, template, to_int,
                    unb64url)

RESOURCES = {"orders": "orders", "customers": "customers", "products": "products",
             "inventory_levels": "inventory_levels"}
PAGE_INFO_ALLOWED = {"limit", "fields", "page_info"}
FILTERS = {
    "orders": {"ids", "since_id", "created_at_min", "created_at_max", "updated_at_min", "updated_at_max",
               "processed_at_min", "processed_at_max", "status", "financial_status", "fulfillment_status", "order",
               "attribution_app_id"},
    "customers": {"ids", "since_id", "created_at_min", "created_at_max", "updated_at_min", "updated_at_max",
                  "order"},
    "products": {"ids", "since_id", "title", "vendor", "handle", "product_type", "status", "created_at_min",
                 "created_at_max", "updated_at_min", "updated_at_max", "published_status", "order"},
    "inventory_levels": {"inventory_item_ids", "location_ids", "updated_at_min"},
}
FIN = ["paid", "paid", "paid", "pending", "authorized", "partially_refunded", "refunded", "voided"]
VERSION_RX = re.compile(r"^\d{4}-\d{2}$")


def _md5(*parts):
    return hashlib.md5("/".join(str(p) for p in parts).encode()).hexdigest()


class Shopify(Sim):
    """Shopify Admin REST simulator."""

    api = "shopify"
    objects = ("orders", "customers", "products", "inventory_levels")
    token_paths = ("/oauth/token", "/admin/oauth/access_token")

    @classmethod
    def add_args(cls, p):
        g = p.add_argument_group("shopify")
        g.add_argument("--shopify-bucket", type=float, default=40.0, help="leaky bucket size (default 40)")
        g.add_argument("--shopify-leak", type=float, default=2.0, help="requests leaked per second (default 2)")
        g.add_argument("--shopify-versions", default="2024-01,2024-04,2024-07,2024-10,2025-01,2025-04",
                       help="supported API versions (others are served as the oldest)")
        g.add_argument("--shopify-tz", default="-05:00", help="shop time zone of created_at/updated_at")
        g.add_argument("--shopify-currency", default="RUB", help="shop currency")

    def setup(self):
        self.off = parse_offset(self.cfg["shopify_tz"])
        d = self.cfg["data_dir"]
        self.tpl_order = load_fixture(d, "shopify", "orders.json")["orders"][0]
        prods = load_fixture(d, "shopify", "products.json")
        self.tpl_product = (prods["products"] if isinstance(prods, dict) else prods)[0]
        self.tpl_customer = load_fixture(d, "shopify", "customers_search.json")["customers"][0]
        self.locations = load_fixture(d, "shopify", "locations.json")["locations"]
        self.generate("customers", 207119551, 1000)
        products = self.generate("products", 632910392, 100)
        iids = []
        for pid in products.ids:
            for k in range(self.nvariants(pid)):
                for li in range(len(self.locations)):
                    iids.append(self.inventory_item_id(pid, k) * 10 + li)
        self.generate("inventory_levels", 0, ids=sorted(iids))
        self.generate("orders", 450789469, 1000)

    # -- ids ------------------------------------------------------------------
    def nvariants(self, pid):
        return 1 + stable_hash(self.seed, "nvar", pid) % 3

    @staticmethod
    def variant_id(pid, k):
        return 40000000000 + pid * 10 + k

    @staticmethod
    def inventory_item_id(pid, k):
        return 42000000000 + pid * 10 + k

    @staticmethod
    def from_inventory_item(iid):
        """inventory_item_id -> (product id, variant index)."""
        rest = iid - 42000000000
        return rest // 10, rest % 10

    def new_extra(self, name, rid):
        return None

    def on_change(self, name, ids, op):
        if name == "products" and op == "create":
            c = self.colls["inventory_levels"]
            for pid in ids:
                for k in range(self.nvariants(pid)):
                    for li in range(len(self.locations)):
                        lid = self.inventory_item_id(pid, k) * 10 + li
                        m = self.colls["products"].get(pid)
                        c.add(Meta(lid, m.created, m.updated))

    def render_time(self, name, ms):
        return iso_offset(ms, self.off)

    # -- rendering ------------------------------------------------------------
    def t(self, ms):
        return iso_offset(ms, self.off)

    def order_state(self, oid):
        h = stable_hash(self.seed, "ostate", oid) % 10
        return "cancelled" if h == 0 else ("closed" if h <= 3 else "open")

    def money_set(self, amount):
        cur = self.cfg["shopify_currency"]
        return {"shop_money": {"amount": amount, "currency_code": cur},
                "presentment_money": {"amount": amount, "currency_code": cur}}

    def address(self, pe, rng):
        return {"first_name": pe["first"], "address1": "ул. %s, д. %d" % (rng.choice(["Ленина", "Мира", "Гагарина",
                                                                                  "Садовая"]), rng.randint(1, 120)),
                "phone": pe["phone"], "city": pe["city"], "zip": "%06d" % rng.randint(100000, 699999),
                "province": None, "country": "Russia", "last_name": pe["last"], "address2": "",
                "company": None, "latitude": None, "longitude": None, "name": "%s %s" % (pe["first"], pe["last"]),
                "country_code": "RU", "province_code": None}

    def customer(self, m, brief=False):
        rng = rec_rng(self.seed, "customers", m.id)
        pe = person(self.seed, "shopify/customers/%d" % m.id)
        r = template(self.tpl_customer)
        addr = self.address(pe, rng)
        addr.update({"id": m.id + 1, "customer_id": m.id, "default": True, "country_name": "Russia"})
        orders = rng.randint(0, 12)
        r.update({"id": m.id, "email": pe["email"], "first_name": pe["first"], "last_name": pe["last"],
                  "phone": pe["phone"] if rng.random() < 0.6 else None, "created_at": self.t(m.created),
                  "updated_at": self.t(m.updated), "orders_count": orders,
                  "total_spent": money(rng, 0, 80000) if orders else "0.00",
                  "state": rng.choice(["enabled", "enabled", "disabled", "invited"]),
                  "tags": rng.choice(["", "vip", "опт, постоянный"]), "currency": self.cfg["shopify_currency"],
                  "admin_graphql_api_id": "gid://shopify/Customer/%d" % m.id, "last_order_id": None,
                  "last_order_name": None, "note": None, "default_address": addr, "addresses": [addr]})
        if brief:
            r.pop("addresses", None)
        return r

    def variant(self, pid, k, pm):
        rng = rec_rng(self.seed, "variant-%d" % k, pid)
        v = template(self.tpl_product["variants"][0])
        vid = self.variant_id(pid, k)
        size = ["S", "M", "L"][k] if self.nvariants(pid) > 1 else "Default Title"
        v.update({"id": vid, "product_id": pid, "position": k + 1, "title": size, "option1": size,
                  "price": money(rng, 199, 29999), "sku": "SKU-%d-%d" % (pid % 100000, k),
                  "inventory_quantity": rng.randint(0, 50) + pm.rev, "old_inventory_quantity": rng.randint(0, 50),
                  "inventory_item_id": self.inventory_item_id(pid, k), "barcode": "46%011d" % (vid % 10 ** 11),
                  "created_at": self.t(pm.created), "updated_at": self.t(pm.updated), "weight": 0.2,
                  "weight_unit": "kg", "admin_graphql_api_id": "gid://shopify/ProductVariant/%d" % vid})
        return v

    def product(self, m):
        rng = rec_rng(self.seed, "products", m.id)
        r = template(self.tpl_product)
        title = product_name(self.seed, "shopify/product/%d" % m.id)
        nv = self.nvariants(m.id)
        r.update({"id": m.id, "title": title, "handle": "product-%d" % m.id, "vendor": company_name(self.seed, "sv/%d" % (m.id % 7)),
                  "product_type": rng.choice(["Электроника", "Одежда", "Дом", "Кухня"]),
                  "created_at": self.t(m.created), "updated_at": self.t(m.updated),
                  "published_at": self.t(m.created), "status": rng.choice(["active"] * 8 + ["draft", "archived"]),
                  "tags": rng.choice(["", "new", "распродажа"]), "body_html": "<p>%s</p>" % title,
                  "admin_graphql_api_id": "gid://shopify/Product/%d" % m.id,
                  "variants": [self.variant(m.id, k, m) for k in range(nv)],
                  "options": [{"id": m.id * 10, "product_id": m.id, "name": "Size" if nv > 1 else "Title",
                               "position": 1, "values": [["S", "M", "L"][k] for k in range(nv)] if nv > 1
                               else ["Default Title"]}]})
        for img in r.get("images", []):
            img["product_id"] = m.id
        return r

    def line_items(self, oid, rng):
        pids = self.colls["products"].ids
        out = []
        for k in range(1 + stable_hash(self.seed, "nli", oid) % 3):
            pid = pids[stable_hash(self.seed, "li", oid, k) % len(pids)] if pids else 0
            pm = self.colls["products"].get(pid)
            kv = stable_hash(self.seed, "liv", oid, k) % self.nvariants(pid) if pm else 0
            v = self.variant(pid, kv, pm) if pm else {"id": None, "price": "100.00", "sku": None, "title": ""}
            qty = rng.randint(1, 4)
            lid = oid * 10 + k
            out.append({"id": lid, "admin_graphql_api_id": "gid://shopify/LineItem/%d" % lid,
                        "variant_id": v["id"], "title": product_name(self.seed, "shopify/product/%d" % pid),
                        "quantity": qty, "sku": v["sku"], "variant_title": v.get("title"), "vendor": None,
                        "fulfillment_service": "manual", "product_id": pid, "requires_shipping": True,
                        "taxable": True, "gift_card": False, "name": product_name(self.seed, "shopify/product/%d" % pid),
                        "variant_inventory_management": "shopify", "properties": [], "product_exists": True,
                        "fulfillable_quantity": qty, "grams": 200, "price": v["price"], "total_discount": "0.00",
                        "fulfillment_status": None, "price_set": self.money_set(v["price"]),
                        "total_discount_set": self.money_set("0.00"), "discount_allocations": [], "duties": [],
                        "tax_lines": [{"title": "НДС", "price": "%.2f" % (float(v["price"]) * qty * 0.2 / 1.2),
                                       "rate": 0.2, "price_set": self.money_set(
                                           "%.2f" % (float(v["price"]) * qty * 0.2 / 1.2))}]})
        return out

    def order(self, m):
        rng = rec_rng(self.seed, "orders", m.id)
        r = template(self.tpl_order)
        cids = self.colls["customers"].ids
        cm = self.colls["customers"].get(cids[stable_hash(self.seed, "oc", m.id) % len(cids)]) if cids else None
        guest = rng.random() < 0.1 or cm is None
        pe = person(self.seed, "shopify/customers/%d" % cm.id) if not guest else person(self.seed, "shopify/guest/%d" % m.id)
        items = self.line_items(m.id, rng)
        sub = sum(float(li["price"]) * li["quantity"] for li in items)
        disc = float(money(rng, 0, sub * 0.1)) if rng.random() < 0.3 else 0.0
        tax = sum(float(li["tax_lines"][0]["price"]) for li in items)
        total = sub - disc
        state = self.order_state(m.id)
        number = bisect.bisect_left(self.colls["orders"].ids, m.id) + 1
        tok = _md5(self.seed, "order", m.id)
        f = lambda x: "%.2f" % x  # noqa: E731
        cur = self.cfg["shopify_currency"]
        fin = rng.choice(FIN) if state != "cancelled" else rng.choice(["voided", "refunded"])
        r.update({"id": m.id, "admin_graphql_api_id": "gid://shopify/Order/%d" % m.id, "email": pe["email"],
                  "contact_email": pe["email"], "created_at": self.t(m.created), "updated_at": self.t(m.updated),
                  "processed_at": self.t(m.created), "number": number, "order_number": 1000 + number,
                  "name": "#%d" % (1000 + number), "token": tok, "cart_token": _md5("cart", tok),
                  "checkout_token": _md5("co", tok), "currency": cur, "presentment_currency": cur,
                  "total_price": f(total), "subtotal_price": f(total), "total_tax": f(tax),
                  "total_discounts": f(disc), "total_line_items_price": f(sub), "total_price_usd": f(total / 90),
                  "taxes_included": True, "phone": pe["phone"], "financial_status": fin,
                  "fulfillment_status": None if state == "open" else rng.choice(["fulfilled", "partial", None]),
                  "closed_at": self.t(m.updated) if state == "closed" else None,
                  "cancelled_at": self.t(m.updated) if state == "cancelled" else None,
                  "cancel_reason": "customer" if state == "cancelled" else None, "tags": "",
                  "order_status_url": "https://sim-shop.myshopify.com/1/orders/%s/authenticate?key=%s" % (tok, _md5("k", tok)),
                  "total_line_items_price_set": self.money_set(f(sub)), "total_discounts_set": self.money_set(f(disc)),
                  "total_shipping_price_set": self.money_set("0.00"), "subtotal_price_set": self.money_set(f(total)),
                  "total_price_set": self.money_set(f(total)), "total_tax_set": self.money_set(f(tax)),
                  "billing_address": self.address(pe, rng), "shipping_address": self.address(pe, rng),
                  "line_items": items, "refunds": [], "fulfillments": [], "shipping_lines": [],
                  "discount_codes": [], "note_attributes": []})
        if guest:
            r["customer"] = None
        else:
            c = self.customer(cm, brief=True)
            r["customer"] = {k: c[k] for k in ("id", "email", "accepts_marketing", "created_at", "updated_at",
                                               "first_name", "last_name", "orders_count", "state", "total_spent",
                                               "note", "verified_email", "tags", "currency", "phone",
                                               "admin_graphql_api_id", "default_address") if k in c}
        return r

    def inventory_level(self, m):
        iid, li = divmod(m.id, 10)
        loc = self.locations[li]
        rng = rec_rng(self.seed, "inventory_levels", m.id)
        avail = None if rng.random() < 0.05 else rng.randint(-2, 80) + m.rev
        return {"inventory_item_id": iid, "location_id": loc["id"], "available": avail,
                "updated_at": self.t(m.updated),
                "admin_graphql_api_id": "gid://shopify/InventoryLevel/%d?inventory_item_id=%d" % (loc["id"], iid)}

    def render(self, name, m):
        return {"orders": self.order, "customers": self.customer, "products": self.product,
                "inventory_levels": self.inventory_level}[name](m)

    # -- vendor bodies --------------------------------------------------------
    def error_body(self, status, req):
        return {"errors": "Internal Server Error" if status == 500 else "Service Unavailable"}

    def unauthorized(self, req, reason):
        req.ctx["auth_failed"] = True
        return self.json(401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"})

    def throttle_response(self, req, retry_after, status=429, as_date=False):
        r = self.json(status, {"errors": "Exceeded 2 calls per second for api client. Reduce request rates to "
                                         "resume uninterrupted service."})
        if as_date:
            self.set_retry_after(r, retry_after, True)
        else:
            r.add("Retry-After", "%s" % float(retry_after if retry_after is not None else 2.0))
        return r

    def native_throttle(self, req):
        return self.throttle_response(req, 2.0)

    def oauth_body(self, status, body, grant):
        if status == 200:
            out = {"access_token": body["access_token"], "scope": "read_orders,read_products,read_customers,read_inventory"}
            if grant != "authorization_code":
                out["expires_in"] = body["expires_in"]
            if body.get("refresh_token"):
                out["refresh_token"] = body["refresh_token"]
            return self.json(200, out)
        return self.json(status if status in (400, 401) else 400,
                         {"error": body["error"], "error_description": body.get("error_description", "")})

    def not_found(self, req):
        return self.json(404, {"errors": "Not Found"})

    # -- auth and limits ----------------------------------------------------------
    def authenticate(self, req):
        tok = req.header("X-Shopify-Access-Token")
        if not tok:
            return self.unauthorized(req, "missing")
        if tok == self.cfg["token"]:
            return None
        state = self.check_oauth_token(req, tok)
        return None if state == "ok" else self.unauthorized(req, state)

    def reconfigure(self):
        self.bucket = LeakyBucket(self.cfg["shopify_bucket"], self.cfg.get("rate") or self.cfg["shopify_leak"])
        self.versions = sorted(v.strip() for v in self.cfg["shopify_versions"].split(",") if v.strip())

    def limit(self, req):
        ok, level, _ = self.bucket.take(time.monotonic())
        req.ctx["call_limit"] = level
        if not ok:
            req.ctx["throttled"] = True
            return self.native_throttle(req)
        return None

    def limit_headers(self, req, resp):
        if "call_limit" in req.ctx:
            resp.add("X-Shopify-Shop-Api-Call-Limit", "%d/%d" % (int(math.ceil(req.ctx["call_limit"] - 1e-9)),
                                                                  int(self.bucket.size)))
        if "api_version" in req.ctx:
            resp.add("X-Shopify-API-Version", req.ctx["api_version"])
        resp.add("X-Request-Id", _md5(time.time(), id(req))[:8] + "-" + _md5(id(resp))[:4])

    # -- routes -------------------------------------------------------------
    PATH = re.compile(r"^/admin(?:/api/([^/]+))?/(.+?)\.json$")

    def route(self, req):
        m = self.PATH.match(req.path)
        if not m:
            return self.not_found(req)
        ver = m.group(1)
        if ver is not None and not VERSION_RX.match(ver) and ver != "unstable":
            return self.not_found(req)
        req.ctx["api_version"] = ver if ver in self.versions or ver == "unstable" else self.versions[0]
        if req.method != "GET":
            return self.json(406, {"errors": "Not Acceptable"})
        res = m.group(2)
        if res == "shop":
            return self.json(200, {"shop": {"id": 690933842, "name": "Sim Shop", "email": "owner@example.com",
                                            "domain": "sim-shop.myshopify.com", "myshopify_domain": "sim-shop.myshopify.com",
                                            "currency": self.cfg["shopify_currency"], "iana_timezone": "Europe/Moscow",
                                            "timezone": "(GMT%s) Moscow" % self.cfg["shopify_tz"],
                                            "country_code": "RU", "plan_name": "basic"}})
        if res == "locations":
            return self.json(200, {"locations": self.locations})
        if res in RESOURCES:
            return self.list_resource(req, res)
        mm = re.fullmatch(r"(orders|customers|products)/count", res)
        if mm:
            err, metas = self.select(req, mm.group(1), dict(req.args))
            return err or self.json(200, {"count": len(metas)})
        mm = re.fullmatch(r"(orders|customers|products)/(\d+)", res)
        if mm:
            one = self.colls[mm.group(1)].get(int(mm.group(2)))
            if one is None or one.deleted:
                return self.not_found(req)
            return self.json(200, {mm.group(1)[:-1]: self.fields(req, self.render(mm.group(1), one))})
        if res == "inventory_items":
            return self.inventory_items(req)
        return self.not_found(req)

    @staticmethod
    def fields(req, rec):
        f = req.arg("fields")
        if not f:
            return rec
        want = [x.strip() for x in f.split(",") if x.strip()]
        return {k: rec[k] for k in want if k in rec}

    def bad(self, field, msg):
        return self.json(400, {"errors": {field: msg}})

    def select(self, req, res, filters):
        """The records matching the (frozen) filters, in the requested order."""
        c = self.colls[res]
        metas = c.live()
        tz = self.off
        for key, attr, cmp in (("updated_at_min", "updated", 1), ("updated_at_max", "updated", -1),
                               ("created_at_min", "created", 1), ("created_at_max", "created", -1),
                               ("processed_at_min", "created", 1), ("processed_at_max", "created", -1)):
            if filters.get(key) and key in FILTERS[res]:
                try:
                    ms = parse_time(filters[key], tz)
                except ValueError:
                    return self.bad(key, "is invalid"), None
                metas = [m for m in metas if (getattr(m, attr) >= ms if cmp > 0 else getattr(m, attr) <= ms)]
        if filters.get("ids") and "ids" in FILTERS[res]:
            ids = {to_int(x) for x in as_list(filters["ids"])}
            metas = [m for m in metas if m.id in ids]
        if filters.get("since_id") and "since_id" in FILTERS[res]:
            sid = to_int(filters["since_id"], 0)
            metas = [m for m in metas if m.id > sid]
        if res == "orders":
            st = filters.get("status") or "open"
            if st not in ("open", "closed", "cancelled", "any"):
                return self.bad("status", "is invalid"), None
            if st != "any":
                metas = [m for m in metas if self.order_state(m.id) == st]
            fin = filters.get("financial_status")
            ful = filters.get("fulfillment_status")
            if (fin and fin != "any") or (ful and ful != "any"):
                keep = []
                for m in metas:
                    o = self.order(m)
                    if fin and fin != "any" and o["financial_status"] != fin:
                        continue
                    if ful and ful != "any":
                        fs = o["fulfillment_status"]
                        want = {"shipped": ["fulfilled"], "partial": ["partial"], "unshipped": [None],
                                "unfulfilled": [None, "partial"], "fulfilled": ["fulfilled"]}.get(ful, [ful])
                        if fs not in want:
                            continue
                    keep.append(m)
                metas = keep
        if res == "products":
            for key in ("status", "vendor", "product_type", "title", "handle"):
                v = filters.get(key)
                if v:
                    allowed = set(x.strip() for x in v.split(",")) if key == "status" else {v}
                    metas = [m for m in metas if self.product(m)[key] in allowed]
        if res == "inventory_levels":
            iids = as_list(filters.get("inventory_item_ids"))
            lids = as_list(filters.get("location_ids"))
            if not iids and not lids:
                return self.json(422, {"errors": "inventory_item_ids, location_ids, or both are required"}), None
            if len(iids) > 50 or len(lids) > 50:
                return self.json(422, {"errors": "a maximum of 50 ids may be given"}), None
            iset = {to_int(x) for x in iids}
            lidx = {i for i, loc in enumerate(self.locations) if str(loc["id"]) in set(lids)}
            metas = [m for m in metas if (not iids or m.id // 10 in iset) and (not lids or m.id % 10 in lidx)]
        order = (filters.get("order") or "id asc").strip()
        parts = order.split()
        field = parts[0] if parts else "id"
        desc = len(parts) > 1 and parts[1].lower() == "desc"
        if filters.get("since_id"):
            field, desc = "id", False
        attr = {"updated_at": "updated", "created_at": "created", "processed_at": "created", "id": "id"}.get(field)
        if attr is None:
            return self.bad("order", "is invalid"), None
        metas = sorted(metas, key=lambda m: (getattr(m, attr), m.id), reverse=desc)
        return None, metas

    def list_resource(self, req, res):
        limit = to_int(req.arg("limit", "50"))
        if limit is None or limit < 1 or limit > 250:
            return self.bad("limit", "must be between 1 and 250")
        token = req.arg("page_info")
        if token is not None:
            extra = sorted(k for k, _ in req.pairs if k not in PAGE_INFO_ALLOWED)
            if extra:
                return self.json(400, {"errors": {extra[0]: "%s cannot be passed when page_info is present. See "
                                                            "https://shopify.dev/api/usage/pagination-rest for more "
                                                            "information." % extra[0]}})
            try:
                info = unb64url(token)
                if info.get("r") != res:
                    raise ValueError
                filters = info["f"]
                direction = info["direction"]
                last = (info["last_value"], info["last_id"])
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                return self.json(400, {"errors": {"page_info": "Invalid value."}})
        else:
            filters = {k: v for k, v in req.args.items() if k in FILTERS[res]}
            direction, last = None, None
        with self.lock:
            err, metas = self.select(req, res, filters)
            if err:
                return err
            order = (filters.get("order") or "id asc").split()
            field = "id" if filters.get("since_id") else order[0]
            attr = {"updated_at": "updated", "created_at": "created", "processed_at": "created"}.get(field, "id")
            keys = [(getattr(m, attr), m.id) for m in metas]
            desc = len(order) > 1 and order[1].lower() == "desc" and not filters.get("since_id")
            if last is None:
                start = 0
            else:
                lastk = tuple(last)
                # position of the first record strictly after (next) or before (previous) the cursor
                after = [i for i, k in enumerate(keys) if (k < lastk if desc else k > lastk)]
                before = [i for i, k in enumerate(keys) if (k > lastk if desc else k < lastk)]
                start = after[0] if direction == "next" and after else (len(keys) if direction == "next" else
                                                                       max(0, (before[-1] + 1 if before else 0) - limit))
            page = metas[start:start + limit]
            rows = [self.fields(req, self.render(res, m)) for m in page]
        links = []
        if page and start > 0:
            m0 = page[0]
            links.append('<%s>; rel="previous"' % self._link(req, res, limit, filters, "prev", m0, attr))
        if page and start + len(page) < len(metas):
            links.append('<%s>; rel="next"' % self._link(req, res, limit, filters, "next", page[-1], attr))
        resp = self.json(200, {res: rows})
        if links:
            resp.add("Link", ", ".join(links))
        self.count_served(res, len(rows))
        return resp

    def _link(self, req, res, limit, filters, direction, m, attr):
        tok = b64url({"r": res, "f": filters, "direction": direction, "last_id": m.id,
                      "last_value": getattr(m, attr)})
        params = [("limit", limit)]
        if req.arg("fields"):
            params.append(("fields", req.arg("fields")))
        params.append(("page_info", tok))
        ver = req.ctx.get("api_version")
        path = "/admin/api/%s/%s.json" % (ver, res) if ver else req.path
        return self.url(path, params)

    def inventory_items(self, req):
        ids = [to_int(x) for x in as_list(req.arg("ids"))]
        if not ids:
            return self.json(422, {"errors": "ids is required"})
        if len(ids) > 100:
            return self.json(422, {"errors": "a maximum of 100 ids may be given"})
        out = []
        for iid in ids:
            if iid is None:
                continue
            pid, k = self.from_inventory_item(iid)
            pm = self.colls["products"].get(pid)
            if pm is None or k >= self.nvariants(pid):
                continue
            v = self.variant(pid, k, pm)
            out.append({"id": iid, "sku": v["sku"], "created_at": v["created_at"], "updated_at": v["updated_at"],
                        "requires_shipping": True, "cost": "%.2f" % (float(v["price"]) * 0.6),
                        "country_code_of_origin": None, "province_code_of_origin": None, "harmonized_system_code": None,
                        "tracked": True, "country_harmonized_system_codes": [],
                        "admin_graphql_api_id": "gid://shopify/InventoryItem/%d" % iid})
        return self.json(200, {"inventory_items": out})


SIM = Shopify
