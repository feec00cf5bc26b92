"""A misbehaving HTTP server for fault tests (stdlib, test-only): a proxy in front of a real
``crds-batch serve`` that answers chosen calls badly.

``faults`` maps a JSON-RPC method name (or ``"GET"`` for downloads) to a list of behaviours used by
its successive requests (after the list, requests pass): ``pass`` forwards to the real server,
``drop`` closes the connection without a reply, ``reset`` closes it with a TCP reset, ``slow``
answers only after ``slow_seconds``, ``garbage`` sends an HTML page with status 200, ``truncate``
promises more bytes than it sends, ``500`` answers with an error status, ``no-instrument`` forwards
a ``get_dataset_headers_by_id`` reply with ``INSTRUME`` removed from its first header, ``corrupt``
forwards the answer with its last byte changed (same length, wrong content).
"""
from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import socket
import struct
import threading
from collections import Counter
from urllib.parse import urlsplit

BEHAVIOURS = ("pass", "drop", "reset", "slow", "garbage", "truncate", "500", "no-instrument", "corrupt")


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a client that hung up is part of the test
        pass


class BadServer:
    def __init__(self, upstream: str, faults: dict[str, list[str]], slow_seconds: float = 3.0,
                 forward_host: bool = False):
        self.upstream = urlsplit(upstream)
        self.forward_host = forward_host  # the server then names the proxy in its download URLs
        self.faults = {method: list(plan) for method, plan in faults.items()}
        self.slow_seconds = slow_seconds
        self.requests: Counter = Counter()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.httpd = _QuietServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def behaviour(self, method: str) -> str:
        with self.lock:
            self.requests[method] += 1
            plan = self.faults.get(method, [])
            return plan.pop(0) if plan else "pass"

    def forward(self, verb: str, path: str, body: bytes | None, headers) -> tuple[int, list, bytes]:
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=60)
        try:
            kept = ("content-type", "range", "host") if self.forward_host else ("content-type", "range")
            connection.request(verb, path, body=body, headers={k: v for k, v in headers.items()
                                                               if k.lower() in kept})
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()


def _handler(server: BadServer):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            parts = self.path.split("/")
            self._answer("POST", parts[2] if len(parts) > 2 and parts[1] == "json" else "?", body)

        def do_GET(self):
            self._answer("GET", "GET", None)

        def _answer(self, verb: str, method: str, body: bytes | None):
            behaviour = server.behaviour(method)
            if behaviour in ("drop", "reset"):
                if behaviour == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR) if behaviour == "drop" else None
                return
            if behaviour == "500":
                return self._send(500, [("Content-Type", "text/html")], b"<html>Internal Server Error</html>")
            if behaviour == "garbage":
                return self._send(200, [("Content-Type", "text/html")], b"<html><body>Proxy error</body></html>")
            if behaviour == "slow" and server.stopping.wait(server.slow_seconds):
                return
            status, headers, data = server.forward(verb, self.path, body, self.headers)
            if behaviour == "no-instrument":
                reply = json.loads(data)
                first = sorted(reply["result"])[0]
                reply["result"][first].pop("INSTRUME")
                data = json.dumps(reply).encode()
            if behaviour == "corrupt" and data:
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            headers = [(k, v) for k, v in headers if k.lower() not in ("content-length", "transfer-encoding",
                                                                          "connection")]
            if behaviour == "truncate":
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self._send(status, headers, data)

        def _send(self, status, headers, data):
            try:
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (timed out): nothing to tell it
                self.close_connection = True

    return Handler


@contextlib.contextmanager
def bad_server(upstream: str, faults: dict[str, list[str]], slow_seconds: float = 3.0, forward_host: bool = False):
    server = BadServer(upstream, faults, slow_seconds, forward_host)
    thread = threading.Thread(target=server.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.httpd.shutdown()
        server.httpd.server_close()
        thread.join(10)
