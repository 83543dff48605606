"""Start a simulator from a Python test and talk to it (stdlib only).

    from simclient import SimProcess
    with SimProcess("hubspot", "--records", "500", "--seed", "3") as sim:
        r = sim.get("/crm/v3/objects/contacts?limit=100", headers={"Authorization": "Bearer secret"})
        r.status, r.header("Link"), r.json()
        sim.control("POST", "/__sim/touch", {"object": "contacts", "ids": [1001]})

Shell tests can use sim_lib.sh instead.
"""

import gzip
import http.client
import json
import os
import select
import ssl
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


class Reply:
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers
        self.raw = body
        self.elapsed = elapsed
        if (self.header("Content-Encoding") or "").lower() == "gzip":
            body = gzip.decompress(body)
        self.body = body

    def header(self, name):
        return self.headers.get(name)

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def links(self):
        """Link header -> {rel: url}."""
        out = {}
        for part in (self.header("Link") or "").split(","):
            if ";" not in part:
                continue
            url, rest = part.split(";", 1)
            rel = rest.split("rel=", 1)[1].strip().strip('"') if "rel=" in rest else ""
            out[rel] = url.strip().strip("<>")
        return out


class SimProcess:
    """A simulator subprocess; the context manager stops it (by its own pid)."""

    def __init__(self, api, *args, cafile=None, startup_timeout=20.0):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "sim.py"), api] + [str(a) for a in args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], startup_timeout)
        line = self.proc.stdout.readline().strip() if ready else ""
        if not line.startswith("http"):
            self.proc.kill()
            err = self.proc.stderr.read()
            raise RuntimeError("simulator %s did not start: %r %s" % (api, line, err))
        self.url = line
        u = urllib.parse.urlsplit(line)
        self.scheme, self.host, self.port = u.scheme, u.hostname, u.port
        self.ctx = None
        if self.scheme == "https":
            self.ctx = ssl.create_default_context(cafile=cafile)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdout, self.proc.stderr):
            if f:
                f.close()

    def connection(self, timeout=15):
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=self.ctx)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(self, method, path, headers=None, body=None, timeout=15):
        """One request on a fresh connection. path may be a full URL of this server."""
        if path.startswith("http"):
            u = urllib.parse.urlsplit(path)
            path = u.path + ("?" + u.query if u.query else "")
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = dict(headers or {})
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        c = self.connection(timeout)
        t0 = time.monotonic()
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return Reply(r.status, r.headers, data, time.monotonic() - t0)
        finally:
            c.close()

    def get(self, path, headers=None, **kw):
        return self.request("GET", path, headers, **kw)

    def post(self, path, body=None, headers=None, **kw):
        return self.request("POST", path, headers, body, **kw)

    def control(self, method, path, body=None):
        r = self.request(method, path, None, body)
        if r.status != 200:
            raise RuntimeError("%s %s -> %d %s" % (method, path, r.status, r.body[:300]))
        return r.json()
