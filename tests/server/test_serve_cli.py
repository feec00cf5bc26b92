"""``crds-batch serve`` refuses what it cannot serve in one line, exit 3, before listening."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import CACHE, REPO

from .servers import serving


def _serve(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "CRDS_OBSERVATORY"}
    environ.update(CRDS_PATH=str(CACHE), **env)
    return subprocess.run([sys.executable, "-m", "crds_batch.cli.main", "serve", "--port", "0", *args], cwd=REPO,
                          env=environ, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("args", "text"), [
    ((), "Say which observatory to serve with --observatory (mappings found for: hst, jwst, roman"),
    (("--observatory", "hst", "--store", "/nonexistent/store"), "not a parameter store"),
    (("--observatory", "hst", "--cache", "/nonexistent/cache"), "No hst mappings to serve"),
    (("--observatory", "hst", "--affected-results", "/nonexistent/results"), "not a directory"),
])
def test_refusals(args, text):
    done = _serve(*args)
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith("ERROR: ") and text in done.stderr and done.stderr.count("\n") == 1


def test_port_in_use():
    with serving("--observatory", "roman") as server:
        done = _serve("--observatory", "roman", "--host", "127.0.0.1", "--port", str(server.port))
    assert done.returncode == 3 and done.stderr.startswith("ERROR: Cannot listen on 127.0.0.1:"), done.stderr


def test_observatory_from_environment():
    with serving(env={"CRDS_OBSERVATORY": "roman"}) as server:
        assert "crds-batch serve: roman from" in server.log_text()
