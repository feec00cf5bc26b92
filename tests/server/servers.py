"""Running ``crds-batch serve`` and the real crds client in subprocesses, on loopback, with deadlines.

crds reads its configuration (CRDS_PATH, CRDS_SERVER_URL...) when imported,
and tests/conftest.py configures this process for offline use, so the client
runs in its own process with its own environment.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.conftest import CACHE, REPO

STARTUP_SECONDS = 60
STOP_SECONDS = 15
CLIENT_SECONDS = 300

_LISTENING = re.compile(r" at (http://127\.0\.0\.1:\d+)/")


class RunningServer:
    def __init__(self, process: subprocess.Popen, url: str, lines: list[str]):
        self.process = process
        self.url = url
        self.lines = lines  # the server's stderr so far (startup line, one line per request)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def log_text(self) -> str:
        return "".join(self.lines)


@contextlib.contextmanager
def serving(*args: str, cache: Path | str = CACHE, env: dict | None = None):
    """Start ``crds-batch serve --host 127.0.0.1 --port 0 ARGS`` and yield it once it listens; always stop it."""
    environ = dict(os.environ, CRDS_PATH=str(cache), **(env or {}))
    command = [sys.executable, "-m", "crds_batch.cli.main", "serve", "--host", "127.0.0.1", "--port", "0", *args]
    process = subprocess.Popen(command, cwd=REPO, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    lines: list[str] = []
    started = threading.Event()
    found: list[str] = []

    def drain() -> None:  # keeps reading so the server never blocks on a full pipe
        for line in process.stderr:
            lines.append(line)
            match = _LISTENING.search(line)
            if match and not found:
                found.append(match.group(1))
                started.set()
        started.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        started.wait(STARTUP_SECONDS)
        if not found:
            raise AssertionError(f"server did not start within {STARTUP_SECONDS}s: {''.join(lines)[-3000:]}")
        yield RunningServer(process, found[0], lines)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_SECONDS)
        reader.join(STOP_SECONDS)


def client_env(server_url: str, crds_path: Path | str, observatory: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRDS_")}
    env.update(CRDS_PATH=str(crds_path), CRDS_SERVER_URL=server_url, CRDS_OBSERVATORY=observatory,
               CRDS_CLIENT_RETRY_COUNT="1", CRDS_CLIENT_TIMEOUT_SECONDS="120")
    env.update(extra)
    return env


def run_crds(module: str, *args: str, server_url: str, crds_path: Path | str, observatory: str = "hst",
             cwd: Path | str | None = None, **extra: str) -> subprocess.CompletedProcess:
    """Run ``python -m <module> ARGS`` (a crds command) against the server, bounded in time."""
    Path(crds_path).mkdir(parents=True, exist_ok=True)
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd or crds_path, text=True,
                          capture_output=True, timeout=CLIENT_SECONDS,
                          env=client_env(server_url, crds_path, observatory, **extra))


def run_crds_python(code: str, *, server_url: str, crds_path: Path | str, observatory: str = "hst",
                    **extra: str):
    """Run ``code`` in a fresh interpreter configured for the server; it prints one JSON value, returned."""
    Path(crds_path).mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-c", code], cwd=crds_path, text=True, capture_output=True,
                          timeout=CLIENT_SECONDS, env=client_env(server_url, crds_path, observatory, **extra))
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def http_request(server: RunningServer, method: str, path: str, body: bytes | None = None,
                 headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One raw HTTP request (paths sent exactly as given: ``..`` and ``%2e`` are not normalized)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def rpc(server: RunningServer, method: str, *params, path: str = "/json/", request_id="t-1") -> dict:
    """POST one JSON-RPC call the way crds's client does (urllib's form content type); return the envelope."""
    body = json.dumps({"jsonrpc": "1.0", "method": method, "params": list(params), "id": request_id}).encode()
    status, headers, data = http_request(server, "POST", path, body,
                                         {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, (status, data[:500])
    return json.loads(data)


def wait_for(predicate, seconds: float = 10.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
