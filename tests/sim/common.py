"""Shared machinery of the local API simulators (tests/sim/).

One simulator = one Sim subclass (hubspot.py, amocrm.py, ...) served by a
ThreadingHTTPServer on 127.0.0.1. This module holds everything the vendors
share:

  - the HTTP plumbing: request parsing, gzip, TLS, keep-alive, and the odd
    ways a response can go wrong on purpose (dropped or reset connection,
    truncated body, stalled body);
  - fault injection (random rates, a queue, a 429 storm, X-Sim-Fault);
  - rate limiters (rolling window, leaky bucket);
  - an OAuth2 token store (client_credentials, refresh_token with rotation,
    authorization_code), access tokens that expire after seconds or after
    a number of requests;
  - the control endpoints under /__sim/ (request log, stats, faults,
    runtime config, touch/create/delete of records);
  - record bookkeeping (Collection/Meta: ids and timestamps only; vendors
    render the full JSON on demand, so a million records fit in memory)
    and deterministic generators for names, e-mails, phones, companies.

Python 3.11 standard library only. Times are epoch milliseconds (UTC)
inside; each vendor renders them in its own format.
"""

import argparse
import base64
import bisect
import datetime as dt
import email.utils
import gzip
import hashlib
import http.server
import json
import os
import random
import re
import socket
import ssl
import struct
import sys
import threading
import time
import traceback
import urllib.parse
import uuid

HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
DATA_DIR_DEFAULT = HERE + "/../data/sim"

DAY_MS = 86400 * 1000
# Generated data lives in [START, START + SPAN): always in the past, so a
# record touched "now" is newer than every generated one.
START_MS_DEFAULT = 1704067200000  # 2024-01-01T00:00:00Z
SPAN_DAYS_DEFAULT = 365

SECRET_HEADERS = {"authorization", "x-shopify-access-token", "cookie", "x-api-key", "proxy-authorization"}
SECRET_PARAMS = {"consumer_secret", "client_secret", "auth", "access_token", "refresh_token",
                 "password", "code", "api_key", "token", "hapikey", "assertion"}


# ---------------------------------------------------------------- time ----

def now_ms():
    return int(time.time() * 1000)


def parse_offset(text):
    """'+03:00', '-0500', 'Z' or minutes as a number -> minutes east of UTC."""
    if text is None:
        return 0
    if isinstance(text, (int, float)):
        return int(text)
    t = str(text).strip()
    if t in ("Z", "z", "UTC", ""):
        return 0
    m = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})?", t)
    if not m:
        raise ValueError("bad UTC offset %r (use +03:00)" % text)
    mins = int(m.group(2)) * 60 + int(m.group(3) or 0)
    return -mins if m.group(1) == "-" else mins


def fmt_offset(minutes, colon=True):
    sign = "-" if minutes < 0 else "+"
    h, m = divmod(abs(minutes), 60)
    return "%s%02d%s%02d" % (sign, h, ":" if colon else "", m)


def _dt(ms, offset_min=0):
    tz = dt.timezone(dt.timedelta(minutes=offset_min))
    return dt.datetime.fromtimestamp(ms / 1000.0, tz)


def iso_z_ms(ms):
    """2024-12-24T17:31:54.727Z (HubSpot)."""
    d = _dt(ms)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def iso_z(ms):
    return _dt(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_offset(ms, offset_min):
    """2024-03-01T10:00:00-05:00 (Shopify, Bitrix24)."""
    return _dt(ms, offset_min).strftime("%Y-%m-%dT%H:%M:%S") + fmt_offset(offset_min)


def naive_local(ms, offset_min):
    """2017-03-22T16:28:02 (WooCommerce: site time, no zone)."""
    return _dt(ms, offset_min).strftime("%Y-%m-%dT%H:%M:%S")


_TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S.%f",
                 "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y")


def parse_time(value, default_offset_min=0):
    """A timestamp in any form the vendors accept -> epoch ms.

    Numbers (or digit strings) are epoch seconds, or milliseconds when
    larger than 1e11. Strings are ISO 8601 with Z/offset or without (then
    default_offset_min applies), 'YYYY-MM-DD HH:MM:SS' or 'DD.MM.YYYY'."""
    if isinstance(value, bool) or value is None:
        raise ValueError("no time")
    if isinstance(value, (int, float)):
        v = float(value)
        return int(v) if v > 1e11 else int(v * 1000)
    s = str(value).strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", s):
        return parse_time(float(s))
    off = None
    m = re.search(r"(Z|z|[+-]\d{2}:?\d{2}|[+-]\d{2})$", s)
    if m and (m.group(1) in "Zz" or len(s) > 10):
        off = parse_offset(m.group(1))
        s = s[:m.start()]
    s = s.replace(" ", "T", 1) if re.match(r"\d{4}-\d{2}-\d{2} \d", s) else s
    for f in _TIME_FORMATS:
        try:
            d = dt.datetime.strptime(s, f.replace(" ", "T", 1) if f.startswith("%Y-%m-%d ") else f)
        except ValueError:
            continue
        o = default_offset_min if off is None else off
        d = d.replace(tzinfo=dt.timezone(dt.timedelta(minutes=o)))
        return int(round(d.timestamp() * 1000))
    raise ValueError("cannot parse time %r" % value)


def http_date(epoch_s):
    return email.utils.formatdate(epoch_s, usegmt=True)


def fmt_seconds(s):
    """Retry-After value: '2' for whole seconds, '2.5' otherwise."""
    return str(int(s)) if float(s).is_integer() else ("%g" % s)


# -------------------------------------------------------------- parsing ----

def php_parse(pairs):
    """PHP-style bracket parameters -> nested dicts/lists.

    filter[>DATE_MODIFY]=x&select[]=ID&order[ID]=ASC ->
    {"filter": {">DATE_MODIFY": "x"}, "select": ["ID"], "order": {"ID": "ASC"}}.
    The brackets may arrive percent-encoded; parse_qsl already decoded them."""
    root = {}
    for key, value in pairs:
        m = re.match(r"^([^\[]+)((?:\[[^\]]*\])*)$", key)
        if not m:
            root[key] = value
            continue
        segs = [m.group(1)] + re.findall(r"\[([^\]]*)\]", m.group(2))
        cur = root
        for i, seg in enumerate(segs):
            last = i == len(segs) - 1
            if isinstance(cur, list):
                if last:
                    cur.append(value)
                    break
                nxt = [] if segs[i + 1] == "" else {}
                cur.append(nxt)
                cur = nxt
                continue
            if last:
                cur[seg] = value
                break
            want_list = segs[i + 1] == ""
            nxt = cur.get(seg)
            if not isinstance(nxt, (dict, list)):
                nxt = [] if want_list else {}
                cur[seg] = nxt
            cur = nxt
    return root


def as_list(v):
    """A PHP array that should be a list ({'0':'a','1':'b'} or ['a']) -> list."""
    if v is None:
        return []
    if isinstance(v, list):
        return v
    if isinstance(v, dict):
        return [v[k] for k in sorted(v, key=lambda k: (len(k), k))]
    if isinstance(v, str):
        return [x for x in v.split(",") if x != ""]
    return [v]


def to_int(v, default=None):
    try:
        return int(str(v).strip())
    except (TypeError, ValueError):
        return default


def b64url(obj):
    raw = json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64url(text):
    pad = "=" * (-len(text) % 4)
    return json.loads(base64.urlsafe_b64decode(text + pad).decode())


class Request:
    """One parsed HTTP request; the body is read completely."""

    def __init__(self, method, target, headers, body, client, tls):
        split = urllib.parse.urlsplit(target)
        self.method = method.upper()
        self.target = target
        self.path = urllib.parse.unquote(split.path) or "/"
        self.raw_query = split.query
        self.pairs = urllib.parse.parse_qsl(split.query, keep_blank_values=True)
        self.args = {}
        for k, v in self.pairs:
            self.args[k] = v
        self.headers = headers
        self.body = body or b""
        self.client = client
        self.tls = tls
        self.ctx = {}
        self._json = None

    def header(self, name, default=None):
        v = self.headers.get(name)
        return default if v is None else v

    def arg(self, name, default=None):
        return self.args.get(name, default)

    def arg_all(self, name):
        return [v for k, v in self.pairs if k == name]

    def content_type(self):
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    def json(self):
        """The body as JSON; raises ValueError when it is not."""
        if self._json is None:
            if not self.body.strip():
                raise ValueError("empty body")
            self._json = json.loads(self.body.decode("utf-8"))
        return self._json

    def form_pairs(self):
        if self.content_type() == "application/x-www-form-urlencoded" or (
                self.body and not self.content_type() and b"=" in self.body and not self.body.lstrip().startswith(b"{")):
            return urllib.parse.parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return []

    def basic_auth(self):
        """(user, password) from an Authorization: Basic header, or None."""
        h = self.header("Authorization") or ""
        if not h[:6].lower() == "basic ":
            return None
        try:
            raw = base64.b64decode(h[6:].strip()).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        user, _, pw = raw.partition(":")
        return user, pw

    def bearer(self):
        h = self.header("Authorization") or ""
        if h[:7].lower() == "bearer ":
            return h[7:].strip()
        return None


class Response:
    """What the simulator answers. body is bytes; headers a list of pairs."""

    def __init__(self, status, body=b"", headers=None, ctype="application/json; charset=utf-8"):
        self.status = status
        self.body = body if isinstance(body, bytes) else str(body).encode("utf-8")
        self.headers = list(headers or [])
        if ctype and status not in (204, 304):
            self.headers.append(("Content-Type", ctype))

    def add(self, name, value):
        self.headers.append((name, str(value)))
        return self

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


def dumps(obj, ascii_only=False, escape_slash=False):
    text = json.dumps(obj, ensure_ascii=ascii_only, separators=(",", ":"))
    if escape_slash:
        text = text.replace("/", "\\/")
    return text.encode("utf-8")


# ---------------------------------------------------------- rate limits ----

class WindowLimiter:
    """At most `limit` requests in any rolling `window_s` (HubSpot, amoCRM)."""

    def __init__(self, limit, window_s):
        self.limit = int(limit)
        self.window = float(window_s)
        self.stamps = []

    def take(self, now):
        """-> (accepted, remaining, seconds until a slot frees)."""
        cut = now - self.window
        i = bisect.bisect_right(self.stamps, cut)
        if i:
            del self.stamps[:i]
        if len(self.stamps) >= self.limit:
            return False, 0, max(0.0, self.stamps[0] + self.window - now)
        self.stamps.append(now)
        return True, self.limit - len(self.stamps), 0.0

    def reset(self):
        self.stamps = []


class LeakyBucket:
    """Each request adds 1; the bucket drains `leak` per second; a request
    that would overflow `size` is refused (Shopify, Bitrix24)."""

    def __init__(self, size, leak):
        self.size = float(size)
        self.leak = float(leak)
        self.level = 0.0
        self.last = None

    def _drain(self, now):
        if self.last is not None:
            self.level = max(0.0, self.level - (now - self.last) * self.leak)
        self.last = now

    def take(self, now):
        """-> (accepted, level after, seconds until one unit fits)."""
        self._drain(now)
        if self.level + 1 > self.size + 1e-9:
            wait = (self.level + 1 - self.size) / self.leak if self.leak > 0 else 60.0
            return False, self.level, wait
        self.level += 1
        return True, self.level, 0.0

    def used(self, now):
        self._drain(now)
        return self.level

    def reset(self):
        self.level = 0.0
        self.last = None


# --------------------------------------------------------------- faults ----

FAULT_HELP = ("500|502|503|504|<status>  answer that status with the vendor's error body; "
              "429[:R]  a 429 with Retry-After R; throttle  the vendor's own throttle signal; "
              "401  an expired-token 401; slow:S  wait S seconds first; stall:S  send half the body, wait S, "
              "send the rest; drop  close the connection without an answer; reset  TCP RST; "
              "partial  promise the whole body, send half, close; malformed  a truncated JSON body; "
              "html:S  status S with an HTML body (a proxy's error page)")


def parse_fault(spec):
    """'slow:2.5' -> ('slow', 2.5); '503' -> ('status', 503)."""
    spec = str(spec).strip().lower()
    name, _, arg = spec.partition(":")
    if name.isdigit():
        code = int(name)
        if code == 429:
            return ("429", float(arg) if arg else None)
        if code == 401:
            return ("401", None)
        return ("status", code)
    if name in ("slow", "stall"):
        return (name, float(arg or 2.0))
    if name == "html":
        return ("html", int(arg or 503))
    if name in ("drop", "reset", "partial", "malformed", "throttle", "none"):
        return (name, None)
    raise ValueError("unknown fault %r" % spec)


class Faults:
    """Which faults the next request gets. Order of precedence: the request's
    own X-Sim-Fault header, the queue (POST /__sim/faults {"next": [...]}),
    the storm, then the random rates (drawn from a seeded generator)."""

    KEYS = ("error_rate", "error_statuses", "slow_rate", "slow_s", "drop_rate", "malformed_rate",
            "reset_rate", "path")

    def __init__(self, seed):
        self.rng = random.Random("faults/%s" % seed)
        self.clear()

    def clear(self):
        self.error_rate = 0.0
        self.error_statuses = [500, 502, 503]
        self.slow_rate = 0.0
        self.slow_s = 2.0
        self.drop_rate = 0.0
        self.reset_rate = 0.0
        self.malformed_rate = 0.0
        self.path = None          # regex: random faults only on matching paths
        self.queue = []           # [{"fault": spec, "path": regex|None}]
        self.storm = None         # {"count", "retry_after", "status", "date"}

    def describe(self):
        d = {k: getattr(self, k) for k in self.KEYS}
        d["next"] = list(self.queue)
        d["storm"] = dict(self.storm) if self.storm else None
        return d

    def update(self, spec):
        """Apply a POST /__sim/faults body (or the command-line flags)."""
        for k in self.KEYS:
            if k in spec:
                v = spec[k]
                if k == "error_statuses":
                    v = [int(x) for x in as_list(v)]
                elif k == "path":
                    v = v or None
                    if v:
                        re.compile(v)
                else:
                    v = float(v)
                setattr(self, k, v)
        if "next" in spec:
            for item in as_list(spec["next"]):
                if isinstance(item, dict):
                    for one in str(item.get("fault", "none")).split(","):
                        parse_fault(one)
                    self.queue.append({"fault": str(item.get("fault", "none")), "path": item.get("path")})
                else:
                    for one in str(item).split(","):
                        parse_fault(one)
                    self.queue.append({"fault": str(item), "path": None})
        if "storm" in spec:
            s = spec["storm"]
            if not s:
                self.storm = None
            else:
                if isinstance(s, (int, float)):
                    s = {"count": s}
                self.storm = {"count": int(s.get("count", 10)), "retry_after": float(s.get("retry_after", 1.0)),
                              "status": int(s.get("status", 429)), "date": bool(s.get("date", False)),
                              "path": s.get("path")}

    def pick(self, req, is_token_path):
        """-> list of (kind, arg) for this request (possibly empty)."""
        hdr = req.header("X-Sim-Fault")
        if hdr:
            return [parse_fault(x) for x in hdr.split(",") if x.strip()]
        for i, item in enumerate(self.queue):
            p = item.get("path")
            if (p and re.search(p, req.path)) or (not p and not is_token_path):
                del self.queue[i]
                return [f for f in (parse_fault(x) for x in item["fault"].split(",")) if f[0] != "none"]
        if is_token_path:
            return []
        st = self.storm
        if st and st["count"] > 0 and (not st.get("path") or re.search(st["path"], req.path)):
            st["count"] -= 1
            ra = st["retry_after"]
            if st["status"] == 429:
                return [("429", ra, st["date"])]
            return [("status", st["status"], ra, st["date"])]
        if self.path and not re.search(self.path, req.path):
            return []
        out = []
        r = self.rng
        if self.slow_rate and r.random() < self.slow_rate:
            out.append(("slow", self.slow_s))
        if self.drop_rate and r.random() < self.drop_rate:
            out.append(("drop", None))
        elif self.reset_rate and r.random() < self.reset_rate:
            out.append(("reset", None))
        elif self.error_rate and r.random() < self.error_rate:
            out.append(("status", int(r.choice(self.error_statuses))))
        elif self.malformed_rate and r.random() < self.malformed_rate:
            out.append(("malformed", None))
        return out


# ---------------------------------------------------------------- oauth ----

class OAuthStore:
    """Access and refresh tokens of a generic OAuth2 authorization server.

    Access tokens expire after access_ttl seconds and/or after
    access_ttl_requests successful API requests (0 = never by that
    measure). Refresh tokens rotate on every refresh when rotate is on:
    the one presented stops working and a new one is returned."""

    def __init__(self, cfg, seed):
        self.cfg = cfg
        self.seed = seed
        self.n = 0
        self.access = {}    # token -> {"exp": epoch s or None, "left": n or None, "client": id}
        self.refresh = {}   # token -> {"client": id, "used": bool}
        self.codes = set()
        for t in as_list(cfg.get("refresh_token")):
            self.refresh[t] = {"client": cfg.get("client_id"), "used": False}
        if cfg.get("auth_code"):
            self.codes.add(cfg["auth_code"])

    def _mint(self, prefix):
        self.n += 1
        h = hashlib.sha1(("%s/%s/%d" % (self.seed, prefix, self.n)).encode()).hexdigest()[:16]
        return "%s-%04d-%s" % (prefix, self.n, h)

    def issue_access(self, client):
        tok = self._mint("at")
        ttl = float(self.cfg.get("access_ttl") or 0)
        reqs = int(self.cfg.get("access_ttl_requests") or 0)
        self.access[tok] = {"exp": time.time() + ttl if ttl > 0 else None, "left": reqs if reqs > 0 else None,
                            "client": client}
        return tok

    def check(self, token):
        """-> 'ok', 'expired' or 'invalid'; an ok check uses one request."""
        a = self.access.get(token)
        if a is None:
            return "invalid"
        if a["exp"] is not None and time.time() >= a["exp"]:
            return "expired"
        if a["left"] is not None:
            if a["left"] <= 0:
                return "expired"
            a["left"] -= 1
        return "ok"

    def expire_all(self):
        for a in self.access.values():
            a["exp"] = 0

    def describe(self):
        return {"access_tokens": {k: {"expires_in": (None if v["exp"] is None else round(v["exp"] - time.time(), 3)),
                                      "requests_left": v["left"]} for k, v in self.access.items()},
                "refresh_tokens": {k: ("used" if v["used"] else "valid") for k, v in self.refresh.items()},
                "codes": sorted(self.codes)}

    def grant(self, params, basic):
        """A token request -> (status, body dict, grant type)."""
        gt = params.get("grant_type") or ""
        cid = params.get("client_id")
        csec = params.get("client_secret")
        if basic:
            cid, csec = basic
        want_id = self.cfg.get("client_id")
        want_secret = self.cfg.get("client_secret")
        if want_id and (cid != want_id or csec != want_secret):
            return 401, {"error": "invalid_client", "error_description": "Client authentication failed"}, gt
        ttl = float(self.cfg.get("access_ttl") or 0)
        body = {"token_type": "Bearer", "expires_in": int(ttl) if ttl > 0 else 3600}
        if gt == "client_credentials":
            body["access_token"] = self.issue_access(cid)
            if self.cfg.get("cc_refresh"):
                rt = self._mint("rt")
                self.refresh[rt] = {"client": cid, "used": False}
                body["refresh_token"] = rt
        elif gt == "refresh_token":
            rt = params.get("refresh_token") or ""
            info = self.refresh.get(rt)
            if info is None or info["used"]:
                return 400, {"error": "invalid_grant", "error_description": "Refresh token is invalid, expired or revoked"}, gt
            if self.cfg.get("rotate", True):
                info["used"] = True
                new = self._mint("rt")
                self.refresh[new] = {"client": cid, "used": False}
                body["refresh_token"] = new
            else:
                body["refresh_token"] = rt
            body["access_token"] = self.issue_access(cid)
        elif gt == "authorization_code":
            code = params.get("code") or ""
            if code not in self.codes:
                return 400, {"error": "invalid_grant", "error_description": "Authorization code is invalid or used"}, gt
            self.codes.discard(code)
            rt = self._mint("rt")
            self.refresh[rt] = {"client": cid, "used": False}
            body["access_token"] = self.issue_access(cid)
            body["refresh_token"] = rt
        else:
            return 400, {"error": "unsupported_grant_type", "error_description": "grant_type %r is not supported" % gt}, gt
        if params.get("scope"):
            body["scope"] = params["scope"]
        return 200, body, gt


# ---------------------------------------------------- records and names ----

class Meta:
    """Bookkeeping of one record: its id and timestamps. The record's JSON
    is rendered from (seed, collection, id, rev) when served."""
    __slots__ = ("id", "created", "updated", "deleted", "rev", "extra")

    def __init__(self, rid, created, updated, extra=None):
        self.id = rid
        self.created = created
        self.updated = updated
        self.deleted = False
        self.rev = 0
        self.extra = extra


class Collection:
    """The records of one object type, sorted by id, with cached views."""

    def __init__(self, name, gran_ms=1000):
        self.name = name
        self.gran = gran_ms
        self.metas = {}
        self.ids = []
        self.version = 0
        self._cache = {}

    def add(self, meta):
        self.metas[meta.id] = meta
        if not self.ids or meta.id > self.ids[-1]:
            self.ids.append(meta.id)
        else:
            bisect.insort(self.ids, meta.id)
        self.version += 1

    def get(self, rid):
        return self.metas.get(rid)

    def live(self):
        """Records not deleted, ascending id."""
        key = ("live", self.version)
        c = self._cache.get("live")
        if c and c[0] == key:
            return c[1]
        out = [self.metas[i] for i in self.ids if not self.metas[i].deleted]
        self._cache["live"] = (key, out)
        return out

    def deleted(self):
        return [self.metas[i] for i in self.ids if self.metas[i].deleted]

    def by_updated(self):
        """Records not deleted, ascending (updated, id)."""
        c = self._cache.get("upd")
        if c and c[0] == self.version:
            return c[1]
        out = sorted(self.live(), key=lambda m: (m.updated, m.id))
        self._cache["upd"] = (self.version, out)
        return out

    def round(self, ms):
        return ms - ms % self.gran

    def touch(self, rid, ms):
        m = self.metas[rid]
        m.updated = self.round(ms)
        m.rev += 1
        self.version += 1

    def next_id(self):
        return (self.ids[-1] + 1) if self.ids else 1


def spread_times(rng, n, start_ms, span_ms, gran_ms, ties, burst):
    """n ascending timestamps in [start, start+span), granular to gran_ms,
    in groups of 1..ties records sharing one value, plus one group of
    `burst` records on a single value in the middle (a bulk import, so a
    tie can straddle page boundaries)."""
    sizes = []
    total = 0
    while total < n - burst:
        s = min(rng.randint(1, max(1, ties)), n - burst - total)
        sizes.append(s)
        total += s
    if burst > 0:
        sizes.insert(len(sizes) // 2, burst)
    groups = max(1, len(sizes))
    step = max(gran_ms * 2, span_ms // groups)
    out = []
    for g, size in enumerate(sizes):
        t = start_ms + g * step + rng.randint(0, max(0, step // 2 - gran_ms))
        t -= t % gran_ms
        out.extend([t] * size)
    return out[:n]


def gen_collection(coll, seed, n, id_base, id_gap, start_ms, span_ms, ties, burst, shuffle=True, extra=None,
                   ids=None):
    """Fill coll with n records: ids from id_base with random gaps of
    1..id_gap (or the given ascending ids), created times ascending with
    the id (over the two years before start), updated times from
    spread_times assigned in a shuffled order (so id order and update
    order differ, as in real systems)."""
    if ids is not None:
        n = len(ids)
    rng = random.Random("%s/%s/times" % (seed, coll.name))
    ups = spread_times(rng, n, start_ms, span_ms, coll.gran, ties, burst)
    order = list(range(n))
    if shuffle:
        rng.shuffle(order)
    created0 = start_ms - 2 * 365 * DAY_MS
    cstep = (2 * 365 * DAY_MS) // max(1, n)
    rid = id_base
    for i in range(n):
        c = created0 + i * cstep + rng.randint(0, max(0, cstep - 1))
        c -= c % coll.gran
        if ids is not None:
            rid = ids[i]
        coll.add(Meta(rid, c, ups[order[i]], extra(i, rid) if extra else None))
        rid += rng.randint(1, max(1, id_gap))
    return coll


RU_MALE = ["Иван", "Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Николай", "Павел", "Артём", "Егор",
           "Владимир", "Юрий", "Олег", "Константин", "Фёдор", "Тимур", "Григорий", "Василий"]
RU_FEMALE = ["Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Анастасия",
             "Юлия", "Ксения", "Дарья", "Екатерина", "Алёна", "Людмила", "Вера"]
RU_LAST = ["Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов", "Михайлов", "Новиков",
           "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
           "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Захаров", "Зайцев", "Соловьёв", "Белов"]
RU_PATRONYMIC_M = ["Иванович", "Петрович", "Сергеевич", "Алексеевич", "Николаевич", "Андреевич"]
RU_PATRONYMIC_F = ["Ивановна", "Петровна", "Сергеевна", "Алексеевна", "Николаевна", "Андреевна"]
LATIN_FIRST = ["John", "Maria", "Peter", "Anna", "David", "Laura", "Carlos", "Sophie", "Ahmed", "Chen", "Olga"]
LATIN_LAST = ["Smith", "Müller", "García", "Rossi", "Dubois", "Kowalski", "Nguyen", "O'Brien", "Schmidt"]
CITIES = ["Москва", "Санкт-Петербург", "Казань", "Новосибирск", "Екатеринбург", "Нижний Новгород", "Самара",
          "Ростов-на-Дону", "Краснодар", "Воронеж", "Пермь", "Уфа"]
COMPANY_KIND = ["ООО", "АО", "ПАО", "ИП"]
COMPANY_WORD = ["Ромашка", "Север", "ТехноСтрой", "Вектор", "Альфа-Трейд", "Гранит", "Меридиан", "Светлый путь",
                "Ёлка", "Прогресс", "СибирьЛес", "Волга-Логистик", "Интеграл", "Кедр", "Мегаполис"]
LATIN_COMPANY = ["Acme Corp", "Globex GmbH", "Initech Ltd", "Umbrella S.A.", "Stark Industries"]
INDUSTRIES = ["RETAIL", "WHOLESALE", "CONSTRUCTION", "COMPUTER_SOFTWARE", "FOOD_PRODUCTION", "LOGISTICS_AND_SUPPLY_CHAIN"]
PRODUCTS = ["Чайник электрический", "Кофемолка", "Смартфон", "Наушники беспроводные", "Стол письменный",
            "Кресло офисное", "Лампа настольная", "Рюкзак городской", "Футболка хлопковая", "Кроссовки беговые",
            "Термос 1 л", "Блендер", "Пылесос", "Утюг", "Сковорода чугунная", "Набор ножей"]
PRODUCT_LATIN = ["USB-C cable", "T-shirt", "Coffee beans 1 kg", "Notebook A5"]
COLORS = ["Чёрный", "Белый", "Красный", "Синий", "Зелёный"]
SIZES = ["S", "M", "L", "XL"]
DOMAINS = ["mail.ru", "yandex.ru", "gmail.com", "example.com", "bk.ru", "inbox.ru", "list.ru", "rambler.ru"]

_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
                      "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))


def translit(text):
    out = []
    for ch in text:
        lo = ch.lower()
        if lo in _TRANSLIT:
            t = _TRANSLIT[lo]
            out.append(t.capitalize() if ch != lo and t else t)
        else:
            out.append(ch)
    return "".join(out)


def rec_rng(seed, coll, rid):
    return random.Random("%s/%s/%s" % (seed, coll, rid))


def stable_hash(*parts):
    return int.from_bytes(hashlib.sha1("/".join(str(p) for p in parts).encode()).digest()[:8], "big")


def mixed_case(rng, text):
    """ivan.petrov@mail.ru -> Ivan.Petrov@Mail.RU (sometimes all upper, sometimes as is)."""
    r = rng.random()
    if r < 0.35:
        return text
    if r < 0.45:
        return text.upper()
    parts = re.split(r"([.@_-])", text)
    return "".join(p.capitalize() if rng.random() < 0.6 else p for p in parts)


def person(seed, key):
    """A deterministic person for key: mostly Cyrillic, some Latin names;
    e-mail in mixed case; a Russian phone in one of several formats; about
    3% share the e-mail (in another case) of another person, so that
    de-duplication by e-mail has something to do."""
    rng = random.Random("%s/person/%s" % (seed, key))
    latin = rng.random() < 0.15
    female = rng.random() < 0.5
    if latin:
        first, last = rng.choice(LATIN_FIRST), rng.choice(LATIN_LAST)
        middle = ""
    else:
        first = rng.choice(RU_FEMALE if female else RU_MALE)
        last = rng.choice(RU_LAST) + ("а" if female else "")
        middle = rng.choice(RU_PATRONYMIC_F if female else RU_PATRONYMIC_M)
    local = re.sub(r"[^a-z0-9.]", "", (translit(first) + "." + translit(last)).lower())
    local += str(rng.randint(1, 9999)) if rng.random() < 0.7 else ""
    email = mixed_case(rng, "%s@%s" % (local, rng.choice(DOMAINS)))
    if rng.random() < 0.03:
        other = person(seed, "dup-of/%s" % key)
        email = mixed_case(rng, other["email"].lower()) or other["email"]
    digits = "9%02d%07d" % (rng.randint(0, 99), rng.randint(0, 9999999))
    fmt = rng.randint(0, 3)
    if fmt == 0:
        phone = "+7" + digits
    elif fmt == 1:
        phone = "8 (%s) %s-%s-%s" % (digits[:3], digits[3:6], digits[6:8], digits[8:])
    elif fmt == 2:
        phone = "+7 %s %s %s %s" % (digits[:3], digits[3:6], digits[6:8], digits[8:])
    else:
        phone = "+7 (%s) %s%s%s" % (digits[:3], digits[3:6], digits[6:8], digits[8:])
    return {"first": first, "last": last, "middle": middle, "email": email, "phone": phone,
            "city": rng.choice(CITIES), "female": female, "latin": latin}


def company_name(seed, key):
    rng = random.Random("%s/company/%s" % (seed, key))
    if rng.random() < 0.15:
        return rng.choice(LATIN_COMPANY)
    kind = rng.choice(COMPANY_KIND)
    if kind == "ИП":
        return "ИП %s %s. %s." % (rng.choice(RU_LAST), rng.choice(RU_MALE)[0], rng.choice(RU_PATRONYMIC_M)[0])
    return "%s «%s»" % (kind, rng.choice(COMPANY_WORD))


def product_name(seed, key):
    rng = random.Random("%s/product/%s" % (seed, key))
    if rng.random() < 0.2:
        return rng.choice(PRODUCT_LATIN)
    return ("%s %s" % (rng.choice(PRODUCTS), rng.choice(["", "Pro", "Мини", "XL", "2024", "Эконом"]))).strip()


def money(rng, lo, hi, places=2):
    v = rng.randint(int(lo * 100), int(hi * 100)) / 100.0
    return ("%%.%df" % places) % v


def load_fixture(data_dir, api, name):
    with open("%s/%s/%s" % (data_dir, api, name), encoding="utf-8") as f:
        return json.load(f)


_TEMPLATE_TEXT = {}


def template(obj):
    """A deep copy through JSON: records rendered from a template never share
    state. Templates live as long as the simulator, so their text is cached."""
    key = id(obj)
    hit = _TEMPLATE_TEXT.get(key)
    if hit is None or hit[0] is not obj:
        hit = _TEMPLATE_TEXT[key] = (obj, json.dumps(obj))
    return json.loads(hit[1])


# ------------------------------------------------------------ the sim ----

class Plan:
    """How the handler sends a response: normally, or broken on purpose."""

    def __init__(self, resp, action="send", arg=None):
        self.resp = resp
        self.action = action
        self.arg = arg


class Sim:
    """Base simulator. Subclasses set `api`, `objects` and implement
    setup(), authenticate(), limit(), route() and the vendor bodies."""

    api = "base"
    objects = ()
    token_paths = ("/oauth/token",)
    ascii_json = False
    escape_slash = False

    def __init__(self, cfg):
        self.cfg = cfg
        self.seed = cfg.get("seed", 1)
        self.lock = threading.RLock()
        self.base_url = "http://127.0.0.1"
        self.colls = {}
        self.log = []
        self.seq = 0
        self.inflight = 0
        self.faults = Faults(self.seed)
        self.faults.update({k: cfg[k] for k in Faults.KEYS if cfg.get(k) is not None})
        if cfg.get("storm"):
            self.faults.update({"storm": {"count": cfg["storm"], "retry_after": cfg.get("storm_retry_after", 1.0)}})
        self.oauth = OAuthStore(cfg, self.seed)
        self.reset_stats()
        self.setup()
        self.reconfigure()

    # -- hooks for the vendors ------------------------------------------------
    @classmethod
    def add_args(cls, parser):
        """Vendor command-line flags (their values land in self.cfg)."""

    def setup(self):
        """Generate the collections."""

    def reconfigure(self):
        """(Re)build rate limiters from self.cfg; called after /__sim/config."""

    def authenticate(self, req):
        """None when the request may proceed, else the vendor's 401 Response."""
        return None

    def limit(self, req):
        """None when within the rate limit, else the vendor's throttle Response."""
        return None

    def limit_headers(self, req, resp):
        """Headers every response carries (X-Shopify-Shop-Api-Call-Limit ...)."""

    def route(self, req):
        return self.not_found(req)

    def not_found(self, req):
        return self.json(404, {"error": "not_found", "path": req.path})

    def error_body(self, status, req):
        """Body of an injected 5xx (and other statuses)."""
        return {"error": "simulated", "status": status}

    def throttle_response(self, req, retry_after, status=429, as_date=False):
        """The vendor's 429 with a Retry-After (injected storms and 429 faults)."""
        r = self.json(status, {"error": "rate_limited"})
        self.set_retry_after(r, retry_after, as_date)
        return r

    def native_throttle(self, req):
        """The vendor's own throttle signal (Bitrix24: 503 QUERY_LIMIT_EXCEEDED)."""
        return self.throttle_response(req, 1.0)

    def unauthorized(self, req, reason):
        """reason: 'missing', 'invalid' or 'expired'."""
        return self.json(401, {"error": "invalid_token", "error_description": reason},
                         [("WWW-Authenticate", 'Bearer error="invalid_token"')])

    def oauth_body(self, status, body, grant):
        """Vendor shaping of a token endpoint answer."""
        return self.json(status, body)

    # -- helpers ------------------------------------------------------------
    def json(self, status, obj, headers=None, ctype="application/json; charset=utf-8"):
        return Response(status, dumps(obj, self.cfg.get("ascii_json", self.ascii_json), self.escape_slash), headers, ctype)

    @staticmethod
    def set_retry_after(resp, seconds, as_date=False):
        if seconds is None:
            return
        if as_date:
            resp.add("Retry-After", http_date(time.time() + float(seconds)))
        else:
            resp.add("Retry-After", fmt_seconds(float(seconds)))

    def coll(self, name):
        return self.colls[name]

    def generate(self, name, id_base, id_gap=1, gran_ms=1000, extra=None, n=None, shuffle=True, ids=None):
        """A collection of the configured size with spread, tied timestamps."""
        n = self.cfg["_records"].get(name, 30) if n is None else n
        n = len(ids) if ids is not None else n
        c = Collection(name, gran_ms)
        gen_collection(c, self.seed, n, id_base, id_gap, self.cfg["_start_ms"],
                       int(float(self.cfg["span_days"]) * DAY_MS), int(self.cfg["ties"]),
                       default_burst(n, int(self.cfg["burst"])), shuffle=shuffle, extra=extra, ids=ids)
        self.colls[name] = c
        return c

    def url(self, path, params=None):
        q = ("?" + urllib.parse.urlencode(params, safe=",")) if params else ""
        return self.base_url + path + q

    def count_served(self, name, n):
        with self.lock:
            self.stats["records_served"][name] = self.stats["records_served"].get(name, 0) + n

    def check_oauth_token(self, req, token):
        """'ok', 'expired' or 'invalid' for a bearer from the token store;
        counts the request against a token limited by requests."""
        with self.lock:
            return self.oauth.check(token)

    def reset_stats(self):
        self.stats = {"requests": 0, "by_status": {}, "by_path": {}, "status_429": 0, "throttled": 0,
                      "auth_failures": 0, "faults": {}, "token_requests": {}, "refreshes": 0,
                      "refresh_failures": 0, "max_inflight": 0, "bytes_sent": 0, "records_served": {},
                      "internal_errors": 0, "connections": 0, "started_at": time.time()}

    # -- the request pipeline ---------------------------------------------------
    def is_token_path(self, req):
        return req.path.rstrip("/") in tuple(p.rstrip("/") for p in self.token_paths)

    def process(self, req):
        if req.path.startswith("/__sim/") or req.path == "/__sim":
            try:
                return Plan(self.control(req))
            except (ValueError, KeyError, TypeError) as e:
                return Plan(Response(400, dumps({"error": str(e)})))
        t0 = time.time()
        with self.lock:
            self.seq += 1
            seq = self.seq
            self.inflight += 1
            self.stats["max_inflight"] = max(self.stats["max_inflight"], self.inflight)
        try:
            is_tok = self.is_token_path(req)
            # The API's own rate limit answers first, before any injected
            # fault is taken: a request throttled by the vendor's limit must
            # not use up a fault queued for "the next page" (tests queue
            # faults and then expect the page they meant to be hit).
            throttled = None
            checked = not is_tok and not self.cfg.get("no_rate_limit") and req.header("X-Sim-Fault") is None
            if checked:
                with self.lock:
                    throttled = self.limit(req)
            if throttled is not None:
                faults = []
                self.limit_headers(req, throttled)
                plan = Plan(throttled)
            else:
                with self.lock:
                    try:
                        faults = self.faults.pick(req, is_tok)
                    except ValueError as e:
                        faults = []
                        bad = Response(400, dumps({"error": "bad X-Sim-Fault: %s" % e}))
                    else:
                        bad = None
                plan = self._run(req, faults, is_tok, bad, limited=checked)
        finally:
            with self.lock:
                self.inflight -= 1
        self._record(seq, t0, req, plan, faults)
        return plan

    def _run(self, req, faults, is_tok, bad, limited=False):
        delay = float(self.cfg.get("latency_ms") or 0) / 1000.0
        action, arg = "send", None
        resp = bad
        for f in faults:
            kind = f[0]
            if kind == "slow":
                delay += f[1]
            elif kind in ("drop", "reset", "partial"):
                action = kind
            elif kind == "stall":
                action, arg = "stall", f[1]
            elif kind == "malformed":
                action = "malformed" if action == "send" else action
        if delay > 0:
            time.sleep(delay)
        if action in ("drop", "reset"):
            return Plan(None, action)
        for f in faults:
            kind = f[0]
            if resp is not None:
                break
            if kind == "status":
                resp = self.json(f[1], self.error_body(f[1], req))
                if len(f) > 2:
                    self.set_retry_after(resp, f[2], f[3] if len(f) > 3 else False)
            elif kind == "html":
                resp = Response(f[1], "<html><head><title>%d</title></head><body><h1>%d Service Unavailable</h1>"
                                      "<p>The upstream server is busy.</p></body></html>" % (f[1], f[1]),
                                ctype="text/html; charset=utf-8")
            elif kind == "429":
                resp = self.throttle_response(req, f[1] if f[1] is not None else 1.0, 429,
                                              f[2] if len(f) > 2 else False)
            elif kind == "throttle":
                resp = self.native_throttle(req)
            elif kind == "401":
                resp = self.unauthorized(req, "expired")
        if resp is None:
            resp = self.serve(req, is_tok, limited)
        if action == "malformed":
            if resp.status == 204 or not resp.body:
                resp.status = 200 if resp.status == 204 else resp.status
                resp.headers.append(("Content-Type", "application/json; charset=utf-8"))
                resp.body = b'{"results": [{"id": "1", "prop'
            else:
                resp.body = resp.body[:max(1, len(resp.body) // 2)]
        return Plan(resp, action if action in ("partial", "stall") else "send", arg)

    def serve(self, req, is_tok, limited=False):
        """limited: the rate limit was already applied to this request."""
        try:
            if is_tok:
                return self.token_endpoint(req)
            with self.lock:
                throttled = None if self.cfg.get("no_rate_limit") or limited else self.limit(req)
            if throttled is not None:
                resp = throttled
            else:
                resp = self.authenticate(req)
                if resp is None:
                    resp = self.route(req)
            self.limit_headers(req, resp)
            return resp
        except Exception:  # a simulator bug must still answer, and be counted
            with self.lock:
                self.stats["internal_errors"] += 1
            tb = traceback.format_exc()
            sys.stderr.write(tb)
            return Response(500, dumps({"error": "simulator internal error", "trace": tb.splitlines()[-3:]}))

    def token_endpoint(self, req):
        params = dict(req.pairs)
        ct = req.content_type()
        if req.body:
            if ct == "application/json" or req.body.lstrip().startswith(b"{"):
                try:
                    body = req.json()
                    params.update({k: str(v) for k, v in body.items()})
                except (ValueError, AttributeError):
                    return self.oauth_body(400, {"error": "invalid_request", "error_description": "bad JSON"}, "")
            else:
                params.update(dict(req.form_pairs()))
        with self.lock:
            status, body, grant = self.oauth.grant(params, req.basic_auth())
            tr = self.stats["token_requests"]
            tr[grant or "?"] = tr.get(grant or "?", 0) + 1
            if grant == "refresh_token":
                if status == 200:
                    self.stats["refreshes"] += 1
                else:
                    self.stats["refresh_failures"] += 1
        return self.oauth_body(status, body, grant)

    def _record(self, seq, t0, req, plan, faults):
        resp = plan.resp
        status = resp.status if resp is not None else 0
        with self.lock:
            st = self.stats
            st["requests"] += 1
            key = str(status)
            st["by_status"][key] = st["by_status"].get(key, 0) + 1
            route = self.route_key(req)
            st["by_path"][route] = st["by_path"].get(route, 0) + 1
            if status == 429:
                st["status_429"] += 1
            if req.ctx.get("throttled"):
                st["throttled"] += 1
            if req.ctx.get("auth_failed"):
                st["auth_failures"] += 1
            for f in faults:
                st["faults"][f[0]] = st["faults"].get(f[0], 0) + 1
            if resp is not None:
                st["bytes_sent"] += len(resp.body)
            if self.cfg.get("log_limit", 100000) > 0:
                self.log.append(self._log_entry(seq, t0, req, status, faults))
                over = len(self.log) - int(self.cfg.get("log_limit", 100000))
                if over > 0:
                    del self.log[:over]
        if self.cfg.get("verbose"):
            sys.stderr.write("%s %s %s?%s -> %s%s\n" % (self.api, req.method, req.path, req.raw_query, status,
                                                       (" fault=" + ",".join(f[0] for f in faults)) if faults else ""))

    def route_key(self, req):
        return req.path

    def _log_entry(self, seq, t0, req, status, faults):
        hdrs = {}
        for k, v in req.headers.items():
            if k.lower() in SECRET_HEADERS:
                scheme = v.split(" ", 1)[0] if " " in v else ""
                v = (scheme + " ***").strip()
            hdrs[k] = v
        args = {}
        for k, v in req.pairs:
            v = "***" if k.lower() in SECRET_PARAMS else v
            if k in args:
                args[k] = (args[k] if isinstance(args[k], list) else [args[k]]) + [v]
            else:
                args[k] = v
        masked_q = urllib.parse.urlencode([(k, "***" if k.lower() in SECRET_PARAMS else v) for k, v in req.pairs])
        entry = {"seq": seq, "t": round(t0, 6), "ms": round((time.time() - t0) * 1000, 3), "method": req.method,
                 "path": req.path, "query": masked_q, "args": args, "headers": hdrs, "status": status,
                 "fault": ",".join(str(f[0]) if f[0] != "status" else str(f[1]) for f in faults) or None,
                 "conn": "%s:%s" % tuple(req.client[:2]), "tls": req.tls}
        if req.body:
            try:
                body = req.json()
                if isinstance(body, dict):
                    body = {k: ("***" if k.lower() in SECRET_PARAMS else v) for k, v in body.items()}
                entry["json"] = body
            except (ValueError, UnicodeDecodeError):
                pairs = req.form_pairs()
                if pairs:
                    entry["form"] = {k: ("***" if k.lower() in SECRET_PARAMS else v) for k, v in pairs}
                else:
                    entry["body"] = req.body[:2000].decode("utf-8", "replace")
        return entry

    # -- control endpoints --------------------------------------------------
    def control(self, req):
        p = req.path.rstrip("/")
        m = req.method
        ok = lambda obj: Response(200, dumps(obj))  # noqa: E731
        body = {}
        if req.body.strip():
            body = req.json()
        with self.lock:
            if p == "/__sim/health":
                return ok({"ok": True, "api": self.api, "base_url": self.base_url,
                           "objects": sorted(self.colls)})
            if p == "/__sim/requests":
                if m == "DELETE":
                    self.log = []
                    return ok({"cleared": True})
                since = to_int(req.arg("since"), 0)
                rx = req.arg("path")
                st = to_int(req.arg("status"))
                out = [e for e in self.log if e["seq"] > since and (not rx or re.search(rx, e["path"]))
                       and (st is None or e["status"] == st)]
                return ok(out)
            if p == "/__sim/stats":
                if m == "DELETE":
                    self.reset_stats()
                    return ok({"cleared": True})
                s = json.loads(json.dumps(self.stats))
                s["uptime_s"] = round(time.time() - s.pop("started_at"), 3)
                s["inflight"] = self.inflight
                return ok(s)
            if p == "/__sim/reset":
                self.log = []
                self.reset_stats()
                self.faults.clear()
                if body.get("data"):
                    # back to the generated data set (touches, creations, deletions undone)
                    self.colls = {}
                    self.setup()
                if body.get("oauth"):
                    self.oauth = OAuthStore(self.cfg, self.seed)
                self.reset_limits()
                return ok({"reset": True})
            if p == "/__sim/faults":
                if m == "DELETE":
                    self.faults.clear()
                elif m == "POST":
                    if body.get("clear"):
                        self.faults.clear()
                    self.faults.update(body)
                return ok(self.faults.describe())
            if p == "/__sim/config":
                if m == "POST":
                    for k, v in body.items():
                        if k not in self.cfg:
                            raise ValueError("unknown setting %r (known: %s)" % (k, ", ".join(sorted(self.cfg))))
                        cur = self.cfg[k]
                        if isinstance(cur, bool):
                            v = bool(v)
                        elif isinstance(cur, int) and v is not None:
                            v = int(v)
                        elif isinstance(cur, float) and v is not None:
                            v = float(v)
                        self.cfg[k] = v
                    self.reconfigure()
                return ok({k: v for k, v in self.cfg.items() if not k.startswith("_")})
            if p == "/__sim/oauth":
                if m == "POST":
                    if body.get("expire_access"):
                        self.oauth.expire_all()
                    for t in as_list(body.get("add_refresh")):
                        self.oauth.refresh[t] = {"client": self.cfg.get("client_id"), "used": False}
                    if body.get("revoke_refresh"):
                        for v in self.oauth.refresh.values():
                            v["used"] = True
                    for c in as_list(body.get("add_code")):
                        self.oauth.codes.add(c)
                return ok(self.oauth.describe())
            if p == "/__sim/objects":
                out = {}
                for name, c in sorted(self.colls.items()):
                    live = c.by_updated()
                    out[name] = {"count": len(live), "deleted": len(c.metas) - len(live),
                                 "min_updated": self.render_time(name, live[0].updated) if live else None,
                                 "max_updated": self.render_time(name, live[-1].updated) if live else None,
                                 "min_updated_ms": live[0].updated if live else None,
                                 "max_updated_ms": live[-1].updated if live else None}
                return ok(out)
            if p.startswith("/__sim/records/"):
                name = p[len("/__sim/records/"):]
                c = self.colls.get(name)
                if c is None:
                    raise ValueError("no object %r (have: %s)" % (name, ", ".join(sorted(self.colls))))
                full = req.arg("full") in ("1", "true")
                out = []
                for rid in c.ids:
                    mt = c.metas[rid]
                    e = {"id": rid, "updated_ms": mt.updated, "updated": self.render_time(name, mt.updated),
                         "created_ms": mt.created, "deleted": mt.deleted, "rev": mt.rev}
                    if full:
                        e["record"] = self.render(name, mt)
                    out.append(e)
                return ok(out)
            if p in ("/__sim/touch", "/__sim/create", "/__sim/delete"):
                return ok(self.mutate(p.rsplit("/", 1)[1], body))
        return Response(404, dumps({"error": "unknown control endpoint", "endpoints": [
            "GET /__sim/health", "GET|DELETE /__sim/requests", "GET|DELETE /__sim/stats", "POST /__sim/reset",
            "GET|POST|DELETE /__sim/faults", "GET|POST /__sim/config", "GET|POST /__sim/oauth",
            "GET /__sim/objects", "GET /__sim/records/<object>", "POST /__sim/touch", "POST /__sim/create",
            "POST /__sim/delete"]}))

    def reset_limits(self):
        self.reconfigure()

    def mutate(self, op, body):
        name = body.get("object")
        c = self.colls.get(name)
        if c is None:
            raise ValueError("object must be one of %s" % ", ".join(sorted(self.colls)))
        when = body.get("updated", "now")
        ms = now_ms() if when in (None, "now") else parse_time(when, self.default_offset())
        if op == "create":
            ids = []
            for _ in range(int(body.get("count", 1))):
                rid = c.next_id()
                c.add(Meta(rid, c.round(ms), c.round(ms), self.new_extra(name, rid)))
                ids.append(rid)
            self.on_change(name, ids, op)
        else:
            ids = [int(x) for x in as_list(body.get("ids"))]
            if body.get("first"):
                ids += [m.id for m in c.live()[:int(body["first"])]]
            if body.get("all"):
                ids = list(c.ids)
            missing = [i for i in ids if i not in c.metas]
            if missing:
                raise ValueError("no such %s: %s" % (name, missing[:10]))
            for rid in ids:
                if op == "touch":
                    c.touch(rid, ms)
                else:
                    c.metas[rid].deleted = True
                    c.touch(rid, ms)
            self.on_change(name, ids, op)
        return {"object": name, "ids": ids, "updated_ms": c.round(ms), "updated": self.render_time(name, c.round(ms))}

    def new_extra(self, name, rid):
        return None

    def on_change(self, name, ids, op):
        """Vendor bookkeeping after touch/create/delete (e.g. amoCRM events)."""

    def default_offset(self):
        return 0

    def render(self, name, meta):
        return {"id": meta.id}

    def render_time(self, name, ms):
        return iso_z_ms(ms)


# ------------------------------------------------------------- HTTP ----

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on,
    # the second write waits for the client's delayed ACK (~40 ms) and a
    # keep-alive client could never reach 10 requests/s.
    disable_nagle_algorithm = True
    server_version = "sluice-sim"
    timeout = 300

    def log_message(self, fmt, *args):
        if self.server.sim.cfg.get("verbose", False) > 1:
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
            return b"".join(chunks)
        n = to_int(self.headers.get("Content-Length"), 0)
        return self.rfile.read(n) if n > 0 else b""

    def _serve(self):
        sim = self.server.sim
        body = self._read_body()
        req = Request(self.command, self.path, self.headers, body, self.client_address, self.server.tls_ctx is not None)
        plan = sim.process(req)
        if plan.action == "drop":
            self.close_connection = True
            return
        if plan.action == "reset":
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            self.close_connection = True
            return
        self._send(req, plan)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve

    def _send(self, req, plan):
        resp = plan.resp
        body = resp.body
        headers = list(resp.headers)
        gz_ok = "gzip" in (req.header("Accept-Encoding") or "").lower()
        if gz_ok and self.server.sim.cfg.get("gzip", True) and len(body) >= 256 and resp.status != 204:
            body = gzip.compress(body, 5)
            headers.append(("Content-Encoding", "gzip"))
            headers.append(("Vary", "Accept-Encoding"))
        self.send_response(resp.status)
        for k, v in headers:
            self.send_header(k, v)
        if resp.status not in (204, 304) and not (100 <= resp.status < 200):
            self.send_header("Content-Length", str(len(body)))
        if plan.action == "partial":
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD" or resp.status in (204, 304):
            return
        if plan.action == "partial":
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if plan.action == "stall":
            half = len(body) // 2
            self.wfile.write(body[:half])
            self.wfile.flush()
            time.sleep(float(plan.arg or 2.0))
            self.wfile.write(body[half:])
            return
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, addr, sim, tls_ctx):
        self.sim = sim
        self.tls_ctx = tls_ctx
        super().__init__(addr, Handler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, in the connection's own thread, so a
        # slow or broken client never blocks accept().
        with self.sim.lock:
            self.sim.stats["connections"] += 1
        if self.tls_ctx is None:
            return super().finish_request(request, client_address)
        try:
            request.settimeout(30)
            tls = self.tls_ctx.wrap_socket(request, server_side=True)
            tls.settimeout(None)
        except (ssl.SSLError, OSError):
            return None
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass
        return None

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


# -------------------------------------------------------------- CLI ----

def add_common_args(p):
    g = p.add_argument_group("server")
    g.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    g.add_argument("--port", type=int, default=0, help="port (default: an ephemeral one)")
    g.add_argument("--url-file", help="also write the base URL to this file (written atomically)")
    g.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve HTTPS with this PEM certificate and key")
    g.add_argument("--no-gzip", dest="gzip", action="store_false", help="never gzip responses")
    g.add_argument("--latency-ms", type=float, default=0.0, help="sleep this long before every API response")
    g.add_argument("--verbose", "-v", action="count", default=0, help="log every request on stderr")
    g.add_argument("--log-limit", type=int, default=100000, help="requests kept by GET /__sim/requests")
    g.add_argument("--data-dir", default=DATA_DIR_DEFAULT, help="fixture templates (default tests/data/sim)")
    g.add_argument("--keep-running", dest="exit_with_parent", action="store_false",
                   help="keep serving after the parent process exits (by default the simulator stops then)")

    g = p.add_argument_group("data")
    g.add_argument("--records", default="30",
                   help="records per object: N, or object=N,... (e.g. 20000 or 500,deals=50)")
    g.add_argument("--seed", type=int, default=1, help="random seed: same seed, same data")
    g.add_argument("--ties", type=int, default=5, help="up to this many records share one updated timestamp")
    g.add_argument("--burst", type=int, default=-1,
                   help="one extra group of this many records on a single timestamp "
                        "(default: records/10, at most 300, when there are 100 or more)")
    g.add_argument("--start", default="2024-01-01T00:00:00Z", help="earliest generated updated timestamp")
    g.add_argument("--span-days", type=float, default=SPAN_DAYS_DEFAULT, help="updated timestamps spread over this many days")
    g.add_argument("--with-fixtures", action="store_true", help="also serve the fixture records verbatim")

    g = p.add_argument_group("auth")
    g.add_argument("--token", default="secret", help="the static credential the API accepts (default 'secret')")
    g.add_argument("--client-id", default="sim-client", help="OAuth2 client id ('' accepts any)")
    g.add_argument("--client-secret", default="sim-secret", help="OAuth2 client secret")
    g.add_argument("--refresh-token", action="append", default=None,
                   help="a refresh token the token endpoint accepts (repeatable; default 'sim-refresh-0')")
    g.add_argument("--auth-code", default="sim-code", help="an authorization code the token endpoint accepts once")
    g.add_argument("--access-ttl", type=float, default=1800.0, help="seconds an issued access token lives (0: forever)")
    g.add_argument("--access-ttl-requests", type=int, default=0,
                   help="an issued access token stops working after this many API requests (0: no limit)")
    g.add_argument("--no-rotate", dest="rotate", action="store_false",
                   help="refresh tokens do not rotate (by default each refresh returns a new one and retires the old)")
    g.add_argument("--cc-refresh", action="store_true", help="client_credentials also returns a refresh token")

    g = p.add_argument_group("rate limits")
    g.add_argument("--rate", type=float, default=None,
                   help="requests per second the API allows, replacing the vendor default "
                        "(window vendors: N per 1 s; bucket vendors: leak N/s)")
    g.add_argument("--no-rate-limit", action="store_true", help="no rate limit at all")

    g = p.add_argument_group("faults (also POST /__sim/faults, X-Sim-Fault header)")
    g.add_argument("--error-rate", type=float, default=None, help="fraction of requests answered with a 5xx")
    g.add_argument("--error-statuses", default=None, help="statuses drawn for --error-rate (default 500,502,503)")
    g.add_argument("--slow-rate", type=float, default=None, help="fraction of requests delayed by --slow-s")
    g.add_argument("--slow-s", type=float, default=None, help="delay of a slow response (default 2)")
    g.add_argument("--drop-rate", type=float, default=None, help="fraction of connections closed without an answer")
    g.add_argument("--reset-rate", type=float, default=None, help="fraction of connections reset (RST)")
    g.add_argument("--malformed-rate", type=float, default=None, help="fraction of bodies truncated mid-JSON")
    g.add_argument("--storm", type=int, default=0, help="the first N API requests get 429 + Retry-After")
    g.add_argument("--storm-retry-after", type=float, default=1.0, help="Retry-After of the storm (seconds)")
    return p


def parse_records(spec, objects):
    """'500,deals=50' -> {obj: n} for every object."""
    default = 30
    per = {}
    for part in str(spec).split(","):
        part = part.strip()
        if not part:
            continue
        if "=" in part:
            k, v = part.split("=", 1)
            if k not in objects:
                raise SystemExit("--records: unknown object %r (have: %s)" % (k, ", ".join(objects)))
            per[k] = int(v)
        else:
            default = int(part)
    return {o: per.get(o, default) for o in objects}


def default_burst(n, burst):
    if burst >= 0:
        return min(burst, n)
    return min(300, n // 10) if n >= 100 else 0


def run(sim_class, argv):
    p = argparse.ArgumentParser(prog="sim.py %s" % sim_class.api, description=sim_class.__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(p)
    sim_class.add_args(p)
    args = p.parse_args(argv)
    cfg = vars(args)
    if cfg.get("refresh_token") is None:
        cfg["refresh_token"] = ["sim-refresh-0"]
    tls = cfg.pop("tls")
    cfg["_records"] = parse_records(cfg["records"], sim_class.objects)
    cfg["_start_ms"] = parse_time(cfg["start"])
    sim = sim_class(cfg)
    ctx = None
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
    srv = Server((cfg["host"], cfg["port"]), sim, ctx)
    host, port = srv.server_address[:2]
    sim.base_url = "%s://%s:%d" % ("https" if ctx else "http", host, port)
    sys.stdout.write(sim.base_url + "\n")
    sys.stdout.flush()
    if cfg.get("url_file"):
        tmp = cfg["url_file"] + ".tmp"
        with open(tmp, "w") as f:
            f.write(sim.base_url + "\n")
        os.replace(tmp, cfg["url_file"])
    if cfg.get("exit_with_parent", True):
        # A test that dies without killing its simulator must not leave it
        # listening forever: leave when the parent process goes away.
        ppid = os.getppid()

        def watch():
            while os.getppid() == ppid:
                time.sleep(0.5)
            srv.shutdown()
        if ppid != 1:
            threading.Thread(target=watch, daemon=True).start()
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()
    return 0


def correlation_id(req_seq=None):
    return str(uuid.uuid4())
