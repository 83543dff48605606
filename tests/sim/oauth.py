"""Generic OAuth2-protected REST API, for the tests of the HTTP layer and of the `rest` source.

  POST /oauth/token   (also /token)   grant_type=client_credentials | refresh_token | authorization_code;
                      client id/secret as HTTP Basic or form/JSON fields; refresh tokens rotate
  GET  /api/items     cursor mode (default): limit, cursor -> {"data":[...],"next_cursor":..|null,"next":url|null}
                      page mode: page, per_page -> the same body plus X-Total-Count and Link rel="next"/"prev"
                      offset mode: offset, limit
                      filters: updated_since (>=), updated_before (<), sort=id|updated_at
  GET  /api/items/{id}
  ANY  /api/echo      the request as the server saw it (secrets masked)
  ANY  /api/status/{code}[?retry_after=R]   answers that status
  GET  /api/bytes/{n}  a JSON body of about n bytes

Auth (--auth): oauth (default: an access token from the token endpoint, or --token), bearer (--token),
basic (--username/--password), header (--auth-name: --token), query (?--auth-name=--token), none.
401 answers carry WWW-Authenticate: Bearer error="invalid_token".
"""

import re
import time

from common import (Response, Sim, WindowLimiter, b64url, company_name, iso_z, money, parse_time, person,
                    rec_rng, to_int, unb64url, SECRET_HEADERS, SECRET_PARAMS)


class OAuthAPI(Sim):
    """Generic OAuth2 REST API simulator."""

    api = "oauth"
    objects = ("items",)
    token_paths = ("/oauth/token", "/token")

    @classmethod
    def add_args(cls, p):
        g = p.add_argument_group("generic API")
        g.add_argument("--auth", choices=("oauth", "bearer", "basic", "header", "query", "none"), default="oauth",
                       help="how /api/ requests authenticate (default oauth)")
        g.add_argument("--auth-name", default=None, help="header or query parameter name (X-API-Key / api_key)")
        g.add_argument("--username", default="user", help="for --auth basic")
        g.add_argument("--password", default="pass", help="for --auth basic")
        g.add_argument("--page-max", type=int, default=1000, help="largest limit/per_page accepted (else 400)")

    def setup(self):
        self.generate("items", 1, 1)

    def render_time(self, name, ms):
        return iso_z(ms)

    def render(self, name, m):
        rng = rec_rng(self.seed, name, m.id)
        pe = person(self.seed, "oauth/items/%d" % m.id)
        return {"id": m.id, "email": pe["email"], "name": "%s %s" % (pe["first"], pe["last"]),
                "phone": pe["phone"], "company": company_name(self.seed, "oauth/%d" % (m.id % 50)),
                "amount": money(rng, 1, 100000), "currency": "RUB", "created_at": iso_z(m.created),
                "updated_at": iso_z(m.updated), "rev": m.rev}

    # -- auth and limits ----------------------------------------------------------
    def unauthorized(self, req, reason):
        req.ctx["auth_failed"] = True
        if self.cfg["auth"] == "basic":
            return self.json(401, {"error": "unauthorized", "error_description": "bad credentials"},
                             [("WWW-Authenticate", 'Basic realm="sim"')])
        desc = {"expired": "The access token expired", "missing": "No access token",
                "invalid": "The access token is invalid"}.get(reason, reason)
        return self.json(401, {"error": "invalid_token", "error_description": desc},
                         [("WWW-Authenticate", 'Bearer error="invalid_token", error_description="%s"' % desc)])

    def authenticate(self, req):
        mode = self.cfg["auth"]
        if mode == "none":
            return None
        if mode == "basic":
            cred = req.basic_auth()
            if cred is None:
                return self.unauthorized(req, "missing")
            return None if cred == (self.cfg["username"], self.cfg["password"]) else self.unauthorized(req, "invalid")
        if mode in ("header", "query"):
            name = self.cfg.get("auth_name") or ("X-API-Key" if mode == "header" else "api_key")
            got = req.header(name) if mode == "header" else req.arg(name)
            if got is None:
                return self.unauthorized(req, "missing")
            return None if got == self.cfg["token"] else self.unauthorized(req, "invalid")
        tok = req.bearer()
        if not tok:
            return self.unauthorized(req, "missing")
        if tok == self.cfg["token"]:
            return None
        if mode == "bearer":
            return self.unauthorized(req, "invalid")
        state = self.check_oauth_token(req, tok)
        return None if state == "ok" else self.unauthorized(req, state)

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
    def route(self, req):
        p = req.path.rstrip("/")
        if p == "/api/echo":
            hdrs = {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in req.headers.items()}
            return self.json(200, {"method": req.method, "path": req.path, "query": req.raw_query,
                                   "args": {k: ("***" if k.lower() in SECRET_PARAMS else v) for k, v in req.args.items()},
                                   "headers": hdrs, "body_len": len(req.body),
                                   "body": req.body[:4096].decode("utf-8", "replace"), "tls": req.tls})
        m = re.fullmatch(r"/api/status/(\d{3})", p)
        if m:
            code = int(m.group(1))
            r = self.json(code, {"status": code, "message": req.arg("body", "status %d" % code)}) \
                if code not in (204, 304) else Response(code, b"", ctype=None)
            if req.arg("retry_after"):
                r.add("Retry-After", req.arg("retry_after"))
            return r
        m = re.fullmatch(r"/api/bytes/(\d+)", p)
        if m and req.method == "GET":
            n = max(16, int(m.group(1)))
            return Response(200, ('{"data":"' + "x" * (n - 11) + '"}').encode())
        if p == "/api/items" and req.method == "GET":
            return self.list_items(req)
        m = re.fullmatch(r"/api/items/(\d+)", p)
        if m and req.method == "GET":
            one = self.colls["items"].get(int(m.group(1)))
            if one is None or one.deleted:
                return self.json(404, {"error": "not_found"})
            return self.json(200, self.render("items", one))
        return self.json(404, {"error": "not_found", "path": req.path})

    def bad(self, msg):
        return self.json(400, {"error": "invalid_request", "error_description": msg})

    def list_items(self, req):
        pmax = int(self.cfg["page_max"])
        metas = self.colls["items"].live()
        for name, sign in (("updated_since", 1), ("updated_before", -1)):
            v = req.arg(name)
            if v:
                try:
                    ms = parse_time(v)
                except ValueError:
                    return self.bad("%s: not a time" % name)
                metas = [m for m in metas if (m.updated >= ms if sign > 0 else m.updated < ms)]
        sort = req.arg("sort") or ("updated_at" if req.arg("updated_since") else "id")
        if sort not in ("id", "updated_at"):
            return self.bad("sort must be id or updated_at")
        key = (lambda m: (m.updated, m.id)) if sort == "updated_at" else (lambda m: (m.id, m.id))
        metas = sorted(metas, key=key)
        extra = []
        if req.arg("page") is not None or req.arg("per_page") is not None:
            page, per = to_int(req.arg("page", "1")), to_int(req.arg("per_page", "100"))
            if page is None or page < 1 or per is None or per < 1 or per > pmax:
                return self.bad("page >= 1 and 1 <= per_page <= %d" % pmax)
            start, size = (page - 1) * per, per
            base = [(k, v) for k, v in req.pairs if k != "page"]
            nxt = self.url(req.path, base + [("page", page + 1)]) if start + size < len(metas) else None
            if page > 1:
                extra.append('<%s>; rel="prev"' % self.url(req.path, base + [("page", page - 1)]))
            cursor = None
        elif req.arg("offset") is not None:
            start, size = to_int(req.arg("offset")), to_int(req.arg("limit", "100"))
            if start is None or start < 0 or size is None or size < 1 or size > pmax:
                return self.bad("offset >= 0 and 1 <= limit <= %d" % pmax)
            base = [(k, v) for k, v in req.pairs if k != "offset"]
            nxt = self.url(req.path, base + [("offset", start + size)]) if start + size < len(metas) else None
            cursor = None
        else:
            size = to_int(req.arg("limit", "100"))
            if size is None or size < 1 or size > pmax:
                return self.bad("1 <= limit <= %d" % pmax)
            start = 0
            if req.arg("cursor"):
                try:
                    last = tuple(unb64url(req.arg("cursor"))["k"])
                except (ValueError, KeyError, TypeError):
                    return self.bad("cursor is invalid")
                start = next((i for i, m in enumerate(metas) if key(m) > last), len(metas))
            cursor = None
            nxt = None
            if start + size < len(metas):
                cursor = b64url({"k": list(key(metas[start + size - 1]))})
                base = [(k, v) for k, v in req.pairs if k != "cursor"]
                nxt = self.url(req.path, base + [("cursor", cursor)])
        chunk = metas[start:start + size]
        rows = [self.render("items", m) for m in chunk]
        self.count_served("items", len(rows))
        resp = self.json(200, {"data": rows, "next_cursor": cursor, "next": nxt, "total": len(metas)})
        resp.add("X-Total-Count", len(metas))
        if nxt:
            extra.append('<%s>; rel="next"' % nxt)
        if extra:
            resp.add("Link", ", ".join(extra))
        return resp


SIM = OAuthAPI
