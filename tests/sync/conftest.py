"""Fixtures: a served HST cache of two small contexts with real FITS references, and its server."""
from __future__ import annotations

import pytest

from tests.server.servers import serving

from .cachegen import build_cache


@pytest.fixture(scope="module")
def served_cache(tmp_path_factory):
    return build_cache(tmp_path_factory.mktemp("served") / "cache")


@pytest.fixture(scope="module")
def sync_server(served_cache):
    with serving("--observatory", "hst", cache=served_cache) as server:
        yield server
