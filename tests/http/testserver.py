#!/usr/bin/env python3
"""testserver.py - a scripted HTTP(S) server for the HTTP client's unit tests.

Usage: testserver.py [--tls DIR]

Binds 127.0.0.1 on a free port and prints the port on one line. With --tls
it serves HTTPS with a self-signed certificate it creates in DIR
(DIR/cert.pem, DIR/key.pem) with the openssl command. It exits when its
standard input reaches end of file, so it never outlives the test that
started it.

Routes (any method):
  /s?id=K&seq=500,429,drop,slow,200&ra=1&slow=2&delay=0.5&gzip=1&hdr=Name:Value&body=TEXT
      Scripted answers. Hit n of id K (from 1) answers with item n of seq,
      the last item repeating: a status code, "drop" (close the connection
      without answering) or "slow" (sleep `slow` seconds, then 200). ra adds
      Retry-After to answers that are not 2xx: a number as given, or
      "date+N" for an HTTP-date N seconds ahead. delay sleeps before every
      answer; gzip=1 compresses the body; hdr adds response headers
      (repeatable); body replaces the default body, which echoes the request
      as JSON: method, path, rawquery, headers (names lowercased), body, hit,
      peer (the client's port: the same on a reused connection).
  /stats?id=K      {"hits": hits of K, "token_requests": n, "token_forms": [...]}
  /token           OAuth2 token endpoint (form-encoded POST):
                   client_credentials needs client_id=cid, client_secret=csecret;
                   refresh_token needs the current refresh token (first "rt-0"),
                   and rotates it to "rt-N" unless rotation is off.
                   Access tokens are "at-N", expires_in as configured (3600).
  /oauth/set?refresh=rt-0&rotate=1&expires=3600   resets the OAuth2 state
  /oauth/invalidate  every access token issued so far is refused from now on
  /api             200 with the echo when "Authorization: Bearer <valid token>",
                   else 401 {"error": "invalid_token"}
"""
import email.utils
import gzip
import json
import os
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
HITS = {}
OAUTH = {}


def oauth_reset(refresh="rt-0", rotate=True, expires=3600):
    OAUTH.clear()
    OAUTH.update(refresh=refresh, rotate=rotate, expires=expires, n=0, valid=set(),
                 requests=0, forms=[])


oauth_reset()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the tests print what matters
        pass

    def do_GET(self):
        self.route()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def reply(self, status, body, headers=(), compress=False):
        data = body.encode() if isinstance(body, str) else body
        if compress:
            data = gzip.compress(data)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if compress:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def echo(self, body, hit):
        u = urllib.parse.urlsplit(self.path)
        return json.dumps({
            "method": self.command, "path": u.path, "rawquery": u.query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"), "hit": hit, "peer": self.client_address[1],
        })

    def route(self):
        try:
            u = urllib.parse.urlsplit(self.path)
            q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
            body = self.read_body()
            handler = {"/s": self.scripted, "/stats": self.stats, "/token": self.token,
                       "/oauth/set": self.oauth_set, "/oauth/invalidate": self.oauth_invalidate,
                       "/api": self.api}.get(u.path)
            if handler:
                handler(q, body)
            else:
                self.reply(404, '{"error":"no such route"}')
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def scripted(self, q, body):
        key = q.get("id", ["default"])[0]
        with LOCK:
            HITS[key] = HITS.get(key, 0) + 1
            hit = HITS[key]
        seq = q.get("seq", ["200"])[0].split(",")
        item = seq[min(hit, len(seq)) - 1]
        if "delay" in q:
            time.sleep(float(q["delay"][0]))
        if item == "drop":
            self.close_connection = True
            return
        status = 200
        if item == "slow":
            time.sleep(float(q.get("slow", ["2"])[0]))
        else:
            status = int(item)
        headers = [tuple(h.split(":", 1)) for h in q.get("hdr", [])]
        headers.append(("Content-Type", "application/json"))
        ra = q.get("ra", [None])[0]
        if ra is not None and not 200 <= status < 300:
            if ra.startswith("date+"):
                ra = email.utils.formatdate(time.time() + float(ra[5:]), usegmt=True)
            headers.append(("Retry-After", ra))
        text = q["body"][0] if "body" in q else self.echo(body, hit)
        self.reply(status, text, headers, compress=q.get("gzip", ["0"])[0] == "1")

    def stats(self, q, body):
        key = q.get("id", ["default"])[0]
        with LOCK:
            out = {"hits": HITS.get(key, 0), "token_requests": OAUTH["requests"],
                   "token_forms": OAUTH["forms"], "refresh": OAUTH["refresh"]}
        self.reply(200, json.dumps(out))

    def token(self, q, body):
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode(), keep_blank_values=True).items()}
        with LOCK:
            OAUTH["requests"] += 1
            OAUTH["forms"].append(form)
            grant = form.get("grant_type")
            if grant == "client_credentials":
                if form.get("client_id") != "cid" or form.get("client_secret") != "csecret":
                    return self.reply(401, '{"error":"invalid_client"}')
            elif grant == "refresh_token":
                if form.get("refresh_token") != OAUTH["refresh"]:
                    return self.reply(400, '{"error":"invalid_grant","error_description":"refresh token revoked"}')
            else:
                return self.reply(400, '{"error":"unsupported_grant_type"}')
            OAUTH["n"] += 1
            n = OAUTH["n"]
            token = "at-%d" % n
            OAUTH["valid"].add(token)
            out = {"access_token": token, "token_type": "bearer", "expires_in": OAUTH["expires"]}
            if grant == "refresh_token" and OAUTH["rotate"]:
                OAUTH["refresh"] = "rt-%d" % n
                out["refresh_token"] = OAUTH["refresh"]
        self.reply(200, json.dumps(out), [("Content-Type", "application/json")])

    def oauth_set(self, q, body):
        with LOCK:
            oauth_reset(q.get("refresh", ["rt-0"])[0], q.get("rotate", ["1"])[0] == "1",
                        int(q.get("expires", ["3600"])[0]))
        self.reply(200, "{}")

    def oauth_invalidate(self, q, body):
        with LOCK:
            OAUTH["valid"].clear()
        self.reply(200, "{}")

    def api(self, q, body):
        auth = self.headers.get("Authorization", "")
        with LOCK:
            ok = auth.startswith("Bearer ") and auth[7:] in OAUTH["valid"]
        if ok:
            self.reply(200, self.echo(body, 0), [("Content-Type", "application/json")])
        else:
            self.reply(401, '{"error":"invalid_token"}', [("Content-Type", "application/json")])


class Server(ThreadingHTTPServer):
    daemon_threads = True
    tls = None

    def finish_request(self, request, client_address):
        if self.tls:
            # The handshake runs in the request's thread, so a client that
            # refuses the certificate never blocks the accept loop.
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass  # cut connections are part of the tests


def make_cert(folder):
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    if len(sys.argv) == 3 and sys.argv[1] == "--tls":
        srv.tls = make_cert(sys.argv[2])
    elif len(sys.argv) != 1:
        sys.exit("usage: testserver.py [--tls DIR]")
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(srv.server_address[1], flush=True)
    sys.stdin.read()  # until the test closes our stdin, or dies
    os._exit(0)


if __name__ == "__main__":
    main()
