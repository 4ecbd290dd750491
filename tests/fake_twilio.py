"""A fake Twilio REST server on 127.0.0.1 for tests and benchmarks: records every request and answers as told.

Behaviours, consumed one per request (then "201"): "201" accepts, "429" and "500" refuse for a while,
"invalid" is Twilio's permanent 21211 (not a valid number), "hang" never answers. Writes are buffered and
sent in one packet with TCP_NODELAY (see the delayed-ACK stall).
"""
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ERRORS = {"429": (429, 20429, "Too Many Requests"), "500": (500, 20500, "Internal Server Error"),
          "invalid": (400, 21211, "The 'To' number is not a valid phone number.")}


class FakeTwilio:
    def __init__(self, port: int = 0):
        self.requests: list[dict] = []
        self.accepted: list[dict] = []
        self.script: list[str] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = -1
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with fake.lock:
                    behaviour = fake.script.pop(0) if fake.script else "201"
                    fake.requests.append({"path": self.path, "form": form, "behaviour": behaviour})
                if behaviour == "hang":
                    time.sleep(3)
                    self.close_connection = True
                    return
                if behaviour in ERRORS:
                    status, code, message = ERRORS[behaviour]
                    self._answer(status, {"code": code, "message": message, "status": status})
                    return
                sid = "SM" + uuid.uuid4().hex
                with fake.lock:
                    fake.accepted.append({"sid": sid, **form})
                self._answer(201, {"sid": sid, "status": "queued", "to": form.get("To"), "body": form.get("Body"),
                                   "from": form.get("From"), "account_sid": self.path.split("/")[3]})

            def _answer(self, status: int, payload: dict):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def serve_elsewhere(ready, stop) -> None:
    """Run a FakeTwilio in this (child) process until `stop` is set, putting its URL on `ready` (a queue): a
    benchmark measures the client side without the fake server sharing its interpreter, as Twilio never does."""
    with FakeTwilio() as fake:
        ready.put(fake.url)
        stop.wait()
