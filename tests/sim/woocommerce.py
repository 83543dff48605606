"""WooCommerce REST API v3 simulator (docs/apis.md section 7).

  GET /wp-json/wc/v3/orders           page, per_page <= 100, offset, modified_after/_before, after/before,
                                      dates_are_gmt, status (any), customer, include, exclude,
                                      orderby=date|id|include|title|slug|modified, order (desc)
  GET /wp-json/wc/v3/products         the same filters, plus type, sku, stock_status
  GET /wp-json/wc/v3/customers        orderby=id|include|name|registered_date (name), order (asc), email,
                                      role (customer; 'all'); no modified_after (ignored, as WordPress does)
  GET /wp-json/wc/v3/products/{id}/variations, /orders/{id}/refunds, /products/categories, /{type}/{id}
  Plain permalinks: /?rest_route=/wc/v3/orders&...

Auth: HTTP Basic consumer_key:consumer_secret, or ?consumer_key=&consumer_secret= (with
--woo-https-only both are refused over plain HTTP, as WooCommerce does). Bodies are bare arrays;
X-WP-Total, X-WP-TotalPages and Link rel="next"/"prev" headers; past the end 200 [] (or 400
rest_post_invalid_page_number with --woo-past-end-400). modified_after/after are exclusive (a record
modified exactly at the given second is not returned). No rate limit unless --rate is given.
"""

import hashlib
import re
import time

from common import (Response, Sim, WindowLimiter, as_list, company_name, load_fixture, money, naive_local,
                    parse_offset, parse_time, person, product_name, rec_rng, stable_hash, template, to_int)

ORDER_STATUS = ["processing", "processing", "completed", "completed", "completed", "on-hold", "pending",
                "cancelled", "refunded", "failed"]
ORDERBY = {
    "orders": {"date", "id", "include", "title", "slug", "modified"},
    "products": {"date", "id", "include", "title", "slug", "modified", "price", "popularity", "rating",
                 "menu_order"},
    "variations": {"date", "id", "include", "title", "slug", "modified", "menu_order"},
    "customers": {"id", "include", "name", "registered_date"},
}
INVALID_ID = {"orders": "woocommerce_rest_shop_order_invalid_id", "products": "woocommerce_rest_product_invalid_id",
              "customers": "woocommerce_rest_invalid_id", "variations": "woocommerce_rest_product_variation_invalid_id"}
CATEGORIES = [(9, "Одежда", "odezhda", 0), (14, "Футболки", "futbolki", 9), (15, "Электроника", "elektronika", 0),
              (16, "Кухня", "kukhnya", 0), (17, "Без категории", "uncategorized", 0)]


class WooCommerce(Sim):
    """WooCommerce REST API v3 simulator."""

    api = "woocommerce"
    objects = ("orders", "customers", "products", "variations")

    @classmethod
    def add_args(cls, p):
        g = p.add_argument_group("woocommerce")
        g.add_argument("--consumer-key", default=None, help="REST key (default ck_<--token>)")
        g.add_argument("--consumer-secret", default=None, help="REST secret (default cs_<--token>)")
        g.add_argument("--woo-tz", default="+03:00", help="site time zone of the date_* fields without _gmt")
        g.add_argument("--woo-https-only", action="store_true",
                       help="refuse Basic and query-string keys over plain HTTP (WooCommerce wants OAuth 1.0a there)")
        g.add_argument("--woo-past-end-400", action="store_true",
                       help="a page past the end answers 400 rest_post_invalid_page_number instead of 200 []")
        g.add_argument("--woo-currency", default="RUB")

    def setup(self):
        self.off = parse_offset(self.cfg["woo_tz"])
        if not self.cfg.get("consumer_key"):
            self.cfg["consumer_key"] = "ck_" + self.cfg["token"]
        if not self.cfg.get("consumer_secret"):
            self.cfg["consumer_secret"] = "cs_" + self.cfg["token"]
        d = self.cfg["data_dir"]
        self.tpl_orders = load_fixture(d, "woocommerce", "orders_list.json")
        self.tpl_products = load_fixture(d, "woocommerce", "products_list.json")
        self.tpl_customer = load_fixture(d, "woocommerce", "customers_list.json")[0]
        self.tpl_variation = load_fixture(d, "woocommerce", "product_variations_list.json")[0]
        self.generate("customers", 26, 2)
        products = self.generate("products", 794, 5)
        ids, parents = [], {}
        vid = 5001
        for pid in products.ids:
            if self.is_variable(pid):
                for k in range(2 + stable_hash(self.seed, "nvar", pid) % 2):
                    ids.append(vid)
                    parents[vid] = (pid, k)
                    vid += 1 + stable_hash(self.seed, "vgap", vid) % 3
        self.generate("variations", 0, ids=ids, extra=lambda i, rid: {"parent": parents[rid][0], "k": parents[rid][1]})
        self.generate("orders", 727, 3)
        self._names = {}

    def is_variable(self, pid):
        return stable_hash(self.seed, "variable", pid) % 3 == 0

    def new_extra(self, name, rid):
        if name == "variations":
            pids = [p for p in self.colls["products"].ids if self.is_variable(p)] or self.colls["products"].ids
            return {"parent": pids[rid % len(pids)], "k": 9}
        return None

    def variations_of(self, pid):
        c = self.colls["variations"]
        idx = self.__dict__.get("_var_index")
        if idx is None or idx[0] != c.version:
            by = {}
            for m in c.live():
                if m.extra:
                    by.setdefault(m.extra["parent"], []).append(m.id)
            idx = self._var_index = (c.version, by)
        return idx[1].get(pid, [])

    def render_time(self, name, ms):
        return naive_local(ms, 0)

    # -- rendering ------------------------------------------------------------
    def dates(self, r, prefix, ms):
        r[prefix] = naive_local(ms, self.off) if ms is not None else None
        r[prefix + "_gmt"] = naive_local(ms, 0) if ms is not None else None

    def links(self, kind, rid, extra=None):
        base = self.base_url + "/wp-json/wc/v3/" + kind
        out = {"self": [{"href": "%s/%d" % (base, rid)}], "collection": [{"href": base}]}
        if extra:
            out.update(extra)
        return out

    def billing(self, pe, rng, with_contact=True):
        b = {"first_name": pe["first"], "last_name": pe["last"],
             "company": company_name(self.seed, "woo/%s" % pe["email"]) if rng.random() < 0.2 else "",
             "address_1": "ул. %s, д. %d" % (rng.choice(["Ленина", "Мира", "Пушкина"]), rng.randint(1, 99)),
             "address_2": "", "city": pe["city"], "state": "", "postcode": "%06d" % rng.randint(100000, 699999),
             "country": "RU"}
        if with_contact:
            b["email"] = pe["email"]
            b["phone"] = pe["phone"]
        return b

    def customer(self, m):
        rng = rec_rng(self.seed, "customers", m.id)
        pe = person(self.seed, "woo/customers/%d" % m.id)
        r = template(self.tpl_customer)
        self.dates(r, "date_created", m.created)
        self.dates(r, "date_modified", m.updated)
        r.update({"id": m.id, "email": pe["email"], "first_name": pe["first"], "last_name": pe["last"],
                  "role": self.role(m.id), "username": pe["email"].split("@")[0].lower(),
                  "billing": self.billing(pe, rng), "shipping": self.billing(pe, rng, False),
                  "is_paying_customer": rng.random() < 0.6,
                  "avatar_url": "https://secure.gravatar.com/avatar/%s?s=96" % hashlib.md5(
                      pe["email"].lower().encode()).hexdigest(),
                  "meta_data": [], "_links": self.links("customers", m.id)})
        return r

    def role(self, cid):
        return "subscriber" if stable_hash(self.seed, "role", cid) % 10 == 0 else "customer"

    def product(self, m):
        rng = rec_rng(self.seed, "products", m.id)
        variable = self.is_variable(m.id)
        r = template(self.tpl_products[0 if variable else 1])
        name = product_name(self.seed, "woo/product/%d" % m.id)
        price = money(rng, 99, 29999)
        manage = rng.random() < 0.7
        qty = rng.randint(-1, 60) + m.rev if manage else None
        cat = CATEGORIES[stable_hash(self.seed, "cat", m.id) % len(CATEGORIES)]
        self.dates(r, "date_created", m.created)
        self.dates(r, "date_modified", m.updated)
        r.update({"id": m.id, "name": name, "slug": "product-%d" % m.id,
                  "permalink": "%s/product/product-%d/" % (self.base_url, m.id),
                  "type": "variable" if variable else "simple",
                  "status": rng.choice(["publish"] * 9 + ["draft"]), "sku": "WOO-%05d" % m.id,
                  "price": "" if variable else price, "regular_price": "" if variable else price, "sale_price": "",
                  "price_html": "" if variable else "<span class=\"amount\">%s&nbsp;&#8381;</span>" % price,
                  "manage_stock": manage and not variable, "stock_quantity": qty if not variable else None,
                  "stock_status": ("instock" if (qty is None or qty > 0) else "outofstock") if not variable else "instock",
                  "description": "<p>%s</p>\n" % name, "short_description": "", "total_sales": rng.randint(0, 500),
                  "categories": [{"id": cat[0], "name": cat[1], "slug": cat[2]}], "related_ids": [],
                  "variations": self.variations_of(m.id) if variable else [],
                  "_links": self.links("products", m.id)})
        return r

    def variation(self, m):
        rng = rec_rng(self.seed, "variations", m.id)
        r = template(self.tpl_variation)
        pid = m.extra["parent"] if m.extra else 0
        price = money(rng, 99, 29999)
        qty = rng.randint(0, 40) + m.rev
        self.dates(r, "date_created", m.created)
        self.dates(r, "date_modified", m.updated)
        size = ["S", "M", "L", "XL"][(m.extra or {}).get("k", 0) % 4]
        r.update({"id": m.id, "permalink": "%s/product/product-%d/?attribute_size=%s" % (self.base_url, pid, size),
                  "sku": "WOO-%05d-%s" % (pid, size), "price": price, "regular_price": price,
                  "manage_stock": True, "stock_quantity": qty, "stock_status": "instock" if qty > 0 else "outofstock",
                  "attributes": [{"id": 6, "name": "Размер", "option": size}],
                  "_links": {"self": [{"href": "%s/wp-json/wc/v3/products/%d/variations/%d" % (self.base_url, pid, m.id)}],
                             "collection": [{"href": "%s/wp-json/wc/v3/products/%d/variations" % (self.base_url, pid)}],
                             "up": [{"href": "%s/wp-json/wc/v3/products/%d" % (self.base_url, pid)}]}})
        return r

    def order_status(self, oid):
        return ORDER_STATUS[stable_hash(self.seed, "ostatus", oid) % len(ORDER_STATUS)]

    def order(self, m):
        rng = rec_rng(self.seed, "orders", m.id)
        r = template(self.tpl_orders[0])
        cids = self.colls["customers"].ids
        cid = 0 if (rng.random() < 0.3 or not cids) else cids[stable_hash(self.seed, "oc", m.id) % len(cids)]
        pe = person(self.seed, "woo/customers/%d" % cid) if cid else person(self.seed, "woo/guest/%d" % m.id)
        status = self.order_status(m.id)
        items = []
        pids = self.colls["products"].ids
        total = 0.0
        for k in range(1 + stable_hash(self.seed, "nli", m.id) % 3):
            pid = pids[stable_hash(self.seed, "li", m.id, k) % len(pids)] if pids else 0
            var = self.variations_of(pid)[:1] if pid and self.is_variable(pid) else []
            qty = rng.randint(1, 3)
            price = int(rng.randint(99, 9999))
            sub = "%.2f" % (price * qty)
            total += price * qty
            items.append({"id": m.id * 10 + k, "name": product_name(self.seed, "woo/product/%d" % pid),
                          "product_id": pid, "variation_id": var[0] if var else 0, "quantity": qty, "tax_class": "",
                          "subtotal": sub, "subtotal_tax": "0.00", "total": sub, "total_tax": "0.00", "taxes": [],
                          "meta_data": [], "sku": "WOO-%05d" % pid, "price": price})
        ship = float(rng.choice([0, 0, 300, 500]))
        paid = status in ("processing", "completed", "refunded")
        self.dates(r, "date_created", m.created)
        self.dates(r, "date_modified", m.updated)
        self.dates(r, "date_paid", m.created + 60000 if paid else None)
        self.dates(r, "date_completed", m.updated if status == "completed" else None)
        r.update({"id": m.id, "number": str(m.id), "order_key": "wc_order_%s" % hashlib.md5(
            ("%s/%d" % (self.seed, m.id)).encode()).hexdigest()[:13], "status": status,
                  "currency": self.cfg["woo_currency"], "customer_id": cid, "billing": self.billing(pe, rng),
                  "shipping": self.billing(pe, rng, False), "line_items": items, "tax_lines": [],
                  "shipping_total": "%.2f" % ship, "total": "%.2f" % (total + ship), "total_tax": "0.00",
                  "cart_tax": "0.00", "discount_total": "0.00", "discount_tax": "0.00",
                  "payment_method": "cod" if rng.random() < 0.5 else "bacs",
                  "payment_method_title": "Оплата при доставке", "transaction_id": "",
                  "shipping_lines": [{"id": m.id * 10 + 9, "method_title": "Курьер", "method_id": "flat_rate",
                                      "total": "%.2f" % ship, "total_tax": "0.00", "taxes": [], "meta_data": []}],
                  "refunds": [{"id": m.id * 10 + 8, "reason": "Возврат товара",
                               "total": "-%.2f" % (total + ship)}] if status == "refunded" else [],
                  "meta_data": [{"id": m.id * 10 + 7, "key": "_sim_source", "value": "sim"}],
                  "_links": self.links("orders", m.id, {"customer": [
                      {"href": "%s/wp-json/wc/v3/customers/%d" % (self.base_url, cid)}]} if cid else None)})
        return r

    def render(self, name, m):
        return {"orders": self.order, "customers": self.customer, "products": self.product,
                "variations": self.variation}[name](m)

    # -- vendor bodies --------------------------------------------------------
    def wp_error(self, status, code, message, extra=None):
        body = {"code": code, "message": message, "data": {"status": status}}
        if extra:
            body["data"].update(extra)
        return self.json(status, body)

    def error_body(self, status, req):
        return {"code": "internal_server_error",
                "message": "<p>There has been a critical error on this website.</p>",
                "data": {"status": status}, "additional_errors": []}

    def unauthorized(self, req, reason):
        req.ctx["auth_failed"] = True
        if reason == "key":
            return self.wp_error(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
        if reason == "secret":
            return self.wp_error(401, "woocommerce_rest_authentication_error", "Consumer secret is invalid.")
        return self.wp_error(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")

    def throttle_response(self, req, retry_after, status=429, as_date=False):
        r = self.wp_error(status, "rest_too_many_requests", "Too many requests.")
        self.set_retry_after(r, retry_after, as_date)
        return r

    def native_throttle(self, req):
        return self.throttle_response(req, 1.0)

    # -- auth and limits ----------------------------------------------------------
    def authenticate(self, req):
        if self.cfg.get("woo_https_only") and not req.tls:
            return self.unauthorized(req, "missing")
        creds = req.basic_auth()
        if creds is None and req.arg("consumer_key") is not None:
            creds = (req.arg("consumer_key"), req.arg("consumer_secret") or "")
        if creds is None:
            return self.unauthorized(req, "missing")
        if creds[0] != self.cfg["consumer_key"]:
            return self.unauthorized(req, "key")
        if creds[1] != self.cfg["consumer_secret"]:
            return self.unauthorized(req, "secret")
        return None

    def reconfigure(self):
        rate = self.cfg.get("rate")
        self.window = WindowLimiter(max(1, int(round(rate))), 1.0) if rate else None

    def limit(self, req):
        if self.window is None:
            return None
        ok, _, wait = self.window.take(time.monotonic())
        if ok:
            return None
        req.ctx["throttled"] = True
        return self.throttle_response(req, max(1, round(wait + 0.5)))

    # -- routes -------------------------------------------------------------
    def route_path(self, req):
        if req.path.startswith("/wp-json/"):
            return req.path[len("/wp-json"):]
        if req.path in ("/", "/index.php") and req.arg("rest_route"):
            return req.arg("rest_route")
        return None

    def route(self, req):
        p = self.route_path(req)
        if p is None:
            return Response(404, "<html><body><h1>Not Found</h1></body></html>", ctype="text/html; charset=UTF-8")
        p = p.rstrip("/")
        if req.method != "GET":
            return self.wp_error(404, "rest_no_route", "No route was found matching the URL and request method.")
        m = re.fullmatch(r"/wc/v3/(orders|products|customers)", p)
        if m:
            return self.list_objects(req, m.group(1), None)
        m = re.fullmatch(r"/wc/v3/products/(\d+)/variations", p)
        if m:
            pm = self.colls["products"].get(int(m.group(1)))
            if pm is None or pm.deleted:
                return self.wp_error(404, INVALID_ID["products"], "Invalid ID.")
            return self.list_objects(req, "variations", int(m.group(1)))
        m = re.fullmatch(r"/wc/v3/(orders|products|customers)/(\d+)", p)
        if m:
            one = self.colls[m.group(1)].get(int(m.group(2)))
            if one is None or one.deleted:
                return self.wp_error(404, INVALID_ID[m.group(1)], "Invalid ID.")
            return self.json(200, self.render(m.group(1), one))
        m = re.fullmatch(r"/wc/v3/orders/(\d+)/refunds", p)
        if m:
            one = self.colls["orders"].get(int(m.group(1)))
            if one is None or one.deleted:
                return self.wp_error(404, INVALID_ID["orders"], "Invalid ID.")
            o = self.order(one)
            refunds = [{"id": x["id"], "date_created": o["date_modified"], "date_created_gmt": o["date_modified_gmt"],
                        "amount": x["total"].lstrip("-"), "reason": x["reason"], "refunded_by": 1,
                        "refunded_payment": False, "meta_data": [], "line_items": [],
                        "_links": {"self": [{"href": "%s/wp-json/wc/v3/orders/%d/refunds/%d" % (self.base_url, one.id, x["id"])}]}}
                       for x in o["refunds"]]
            return self.paged(req, refunds)
        if p == "/wc/v3/products/categories":
            cats = [{"id": c[0], "name": c[1], "slug": c[2], "parent": c[3], "description": "", "display": "default",
                     "image": None, "menu_order": 0, "count": 0} for c in CATEGORIES]
            return self.paged(req, cats)
        return self.wp_error(404, "rest_no_route", "No route was found matching the URL and request method.")

    def invalid(self, name, msg):
        return self.wp_error(400, "rest_invalid_param", "Invalid parameter(s): %s" % name,
                             {"params": {name: msg}, "details": {name: {"code": "rest_invalid_param",
                                                                       "message": msg, "data": None}}})

    def page_args(self, req):
        per_page = to_int(req.arg("per_page", "10"))
        if per_page is None or per_page < 1 or per_page > 100:
            return None, self.invalid("per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)")
        page = to_int(req.arg("page", "1"))
        if page is None or page < 1:
            return None, self.invalid("page", "page must be greater than or equal to 1")
        offset = req.arg("offset")
        if offset is not None and to_int(offset) is None:
            return None, self.invalid("offset", "offset is not of type integer.")
        return (page, per_page, to_int(offset) if offset is not None else None), None

    def paged(self, req, rows):
        """Pagination of a small, already built list."""
        args, err = self.page_args(req)
        if err:
            return err
        page, per_page, offset = args
        start = offset if offset is not None else (page - 1) * per_page
        return self.respond_page(req, rows[start:start + per_page], len(rows), page, per_page)

    def _time_arg(self, req, name):
        v = req.arg(name)
        if v is None:
            return None, None
        gmt = (req.arg("dates_are_gmt") or "").lower() in ("1", "true")
        try:
            return parse_time(v, 0 if gmt else self.off), None
        except ValueError:
            return None, self.invalid(name, "Invalid date.")

    def name_of(self, cid):
        n = self._names.get(cid)
        if n is None:
            pe = person(self.seed, "woo/customers/%d" % cid)
            n = self._names[cid] = ("%s %s" % (pe["first"], pe["last"])).lower()
        return n

    def list_objects(self, req, kind, parent):
        args, err = self.page_args(req)
        if err:
            return err
        page, per_page, offset = args
        c = self.colls[kind]
        metas = c.live()
        if parent is not None:
            metas = [m for m in metas if m.extra and m.extra["parent"] == parent]
        if kind != "customers":
            for name, attr, sign in (("modified_after", "updated", 1), ("modified_before", "updated", -1),
                                     ("after", "created", 1), ("before", "created", -1)):
                ms, err = self._time_arg(req, name)
                if err:
                    return err
                if ms is not None:
                    # WordPress date_query: exclusive at both ends
                    metas = [m for m in metas if (getattr(m, attr) > ms if sign > 0 else getattr(m, attr) < ms)]
        include = [to_int(x) for x in as_list(req.arg("include"))]
        exclude = {to_int(x) for x in as_list(req.arg("exclude"))}
        if include:
            s = set(include)
            metas = [m for m in metas if m.id in s]
        if exclude:
            metas = [m for m in metas if m.id not in exclude]
        if kind == "orders":
            st = [x for x in as_list(req.arg("status") or "any")]
            if "any" not in st:
                metas = [m for m in metas if self.order_status(m.id) in st]
            if req.arg("customer") is not None:
                cid = to_int(req.arg("customer"), -1)
                metas = [m for m in metas if self.order(m)["customer_id"] == cid]
        elif kind == "products":
            for key in ("status", "type", "sku", "stock_status"):
                v = req.arg(key)
                if v and v != "any":
                    allowed = set(as_list(v))
                    metas = [m for m in metas if str(self.product(m)[key]) in allowed]
        elif kind == "customers":
            role = req.arg("role") or "customer"
            if role != "all":
                metas = [m for m in metas if self.role(m.id) == role]
            if req.arg("email"):
                e = req.arg("email").lower()
                metas = [m for m in metas if self.customer(m)["email"].lower() == e]
        orderby = req.arg("orderby") or ("name" if kind == "customers" else "date")
        if orderby not in ORDERBY[kind]:
            return self.invalid("orderby", "orderby is not one of %s." % ", ".join(sorted(ORDERBY[kind])))
        order = (req.arg("order") or ("asc" if kind == "customers" else "desc")).lower()
        if order not in ("asc", "desc"):
            return self.invalid("order", "order is not one of asc, desc.")
        desc = order == "desc"
        if orderby == "include" and include:
            pos = {v: i for i, v in enumerate(include)}
            metas = sorted(metas, key=lambda m: pos.get(m.id, 0))
        else:
            if orderby in ("date", "registered_date"):
                key = lambda m: (m.created, m.id)  # noqa: E731
            elif orderby == "modified":
                key = lambda m: (m.updated, m.id)  # noqa: E731
            elif orderby == "name":
                key = lambda m: (self.name_of(m.id), m.id)  # noqa: E731
            elif orderby in ("title", "slug") and kind in ("products", "variations"):
                key = lambda m: (self.product(m)["name"].lower() if kind == "products" else m.id, m.id)  # noqa: E731
            else:
                key = lambda m: (m.id,)  # noqa: E731
            metas = sorted(metas, key=key, reverse=desc)
        total = len(metas)
        start = offset if offset is not None else (page - 1) * per_page
        chunk = metas[start:start + per_page]
        pages = (total + per_page - 1) // per_page
        if not chunk and page > max(1, pages) and self.cfg.get("woo_past_end_400") and offset is None:
            return self.wp_error(400, "rest_post_invalid_page_number",
                                 "The page number requested is larger than the number of pages available.")
        rows = [self.render(kind, m) for m in chunk]
        self.count_served(kind, len(rows))
        return self.respond_page(req, rows, total, page, per_page)

    def respond_page(self, req, rows, total, page, per_page):
        pages = (total + per_page - 1) // per_page
        resp = self.json(200, rows)
        resp.add("X-WP-Total", total)
        resp.add("X-WP-TotalPages", pages)
        links = []
        base = [(k, v) for k, v in req.pairs if k != "page"]
        if page > 1 and pages > 0:
            links.append('<%s>; rel="prev"' % self.url(req.path, base + [("page", min(page - 1, pages))]))
        if page < pages:
            links.append('<%s>; rel="next"' % self.url(req.path, base + [("page", page + 1)]))
        if links:
            resp.add("Link", ", ".join(links))
        resp.add("Allow", "GET, POST")
        return resp


SIM = WooCommerce
