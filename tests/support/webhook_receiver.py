"""A webhook receiver for tests: verifies every delivery with the Standard
Webhooks reference library (PyPI `standardwebhooks`, installed by
scripts/test) and records what it accepted.

Usage: webhook_receiver.py  -> prints "ready PORT" once listening on 127.0.0.1.

  POST /control/configure {"name", "secret", "fail", "delay"}: deliveries to
      /hooks/NAME are verified with SECRET; the first FAIL of them are
      answered 500 (-1: all of them, 503); a verified one is recorded at once
      and answered after DELAY seconds (default 0: a slow receiver).
  GET  /control/received?name=NAME: {"delivered": [...], "attempts": N,
      "rejected": [...]}; each delivered item has its webhook-id and the
      verified, parsed body.
  POST /hooks/NAME: a delivery.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

lock = threading.Lock()
config = {}  # name -> {"secret", "fail"}
seen = {}  # name -> {"delivered": [], "attempts": 0, "rejected": []}


def record(name):
    return seen.setdefault(name, {"delivered": [], "attempts": 0, "rejected": []})


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path != "/control/received":
            return self.answer(404)
        name = parse_qs(url.query).get("name", [""])[0]
        with lock:
            self.answer(200, record(name))

    def do_POST(self):
        url = urlparse(self.path)
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if url.path == "/control/configure":
            c = json.loads(body)
            with lock:
                config[c["name"]] = {
                    "secret": c["secret"],
                    "fail": c.get("fail", 0),
                    "delay": c.get("delay", 0),
                }
            return self.answer(204)
        if not url.path.startswith("/hooks/"):
            return self.answer(404)
        name = url.path[len("/hooks/"):]
        with lock:
            c = config.get(name)
            r = record(name)
            r["attempts"] += 1
            if c is None:
                return self.answer(404)
            if c["fail"] == -1:
                return self.answer(503)
            if c["fail"] > 0:
                c["fail"] -= 1
                return self.answer(500)
            headers = {k: v for k, v in self.headers.items()}
            try:
                payload = Webhook(c["secret"]).verify(body, headers)
            except WebhookVerificationError as e:
                r["rejected"].append({"error": str(e), "headers": headers})
                return self.answer(400)
            r["delivered"].append({
                "webhook_id": headers.get("webhook-id") or headers.get("Webhook-Id"),
                "payload": payload,
            })
            delay = c["delay"]
        time.sleep(delay)
        self.answer(204)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"ready {server.server_address[1]}", flush=True)
threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
server.serve_forever()
