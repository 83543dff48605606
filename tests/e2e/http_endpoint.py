#!/usr/bin/env python3
"""A small HTTP endpoint for the `http` sink's end-to-end test.

Every request is appended to --log as one JSON object per line
({"method", "path", "query", "headers", "body", "status"}, body parsed
when JSON) and answered:

  401  when --token is set and "Authorization: Bearer <token>" is missing;
  503  for the first --fail-first requests (then normally), Retry-After: 0.2;
  422  {"error": "refused: ..."} for a record (or an array holding a record)
       whose field --refuse-field is true;
  200  {"ok": true} otherwise.

Listens on 127.0.0.1, on a free port it writes to --port-file once ready.
Stops on SIGTERM.
"""
import argparse
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--token")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--refuse-field", default="refuse")
    args = ap.parse_args()

    lock = threading.Lock()
    state = {"seen": 0}
    log = open(args.log, "a", encoding="utf-8")

    def refused(doc):
        items = doc if isinstance(doc, list) else [doc]
        return any(isinstance(x, dict) and x.get(args.refuse_field) is True for x in items)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *a):
            pass

        def answer(self, status, doc):
            body = json.dumps(doc).encode()
            self.send_response(status)
            if status == 503:  # keeps the retries of the test short
                self.send_header("Retry-After", "0.2")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def handle_any(self):
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            url = urlsplit(self.path)
            with lock:
                state["seen"] += 1
                seen = state["seen"]
            if args.token and self.headers.get("Authorization") != "Bearer " + args.token:
                status, doc = 401, {"error": "bad token"}
            elif seen <= args.fail_first:
                status, doc = 503, {"error": "try later"}
            elif refused(body):
                status, doc = 422, {"error": "refused: %s is set" % args.refuse_field}
            else:
                status, doc = 200, {"ok": True}
            entry = {"method": self.command, "path": url.path, "query": dict(parse_qsl(url.query)),
                     "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body, "status": status}
            with lock:
                log.write(json.dumps(entry, ensure_ascii=False) + "\n")
                log.flush()
            return self.answer(status, doc)

        do_POST = do_PUT = do_PATCH = handle_any

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()
    log.close()


if __name__ == "__main__":
    sys.exit(main())
