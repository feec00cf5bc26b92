"""File downloads: streamed with Content-Length and Range, and confined to the served cache."""
from __future__ import annotations

import shutil

import pytest

from tests.conftest import CACHE

from .conftest import HST_CONTEXT
from .servers import http_request, rpc, run_crds, serving

REFERENCE = sorted(p.name for p in (CACHE / "references" / "hst").iterdir())[0]
SECRET = b"secret outside the cache\n"


@pytest.fixture(scope="module")
def small_cache(tmp_path_factory):
    """A cache with one context, one reference, and symlinks pointing inside and outside it."""
    root = tmp_path_factory.mktemp("small")
    outside = root / "outside"
    (outside / "acs").mkdir(parents=True)
    (outside / "hst_outside.pmap").write_bytes(SECRET)
    (outside / "acs" / "leak.fits").write_bytes(SECRET)
    cache = root / "cache"
    (cache / "config" / "hst").mkdir(parents=True)
    shutil.copy(CACHE / "config" / "hst" / "server_config", cache / "config" / "hst")
    mappings = cache / "mappings" / "hst"
    mappings.mkdir(parents=True)
    shutil.copy(CACHE / "mappings" / "hst" / HST_CONTEXT, mappings)
    (mappings / "hst_outside.pmap").symlink_to(outside / "hst_outside.pmap")
    (mappings / "hst_inside.pmap").symlink_to(mappings / HST_CONTEXT)
    references = cache / "references" / "hst"
    references.mkdir(parents=True)
    shutil.copy(CACHE / "references" / "hst" / REFERENCE, references)
    (references / "acs").symlink_to(outside / "acs")
    return cache


@pytest.fixture(scope="module")
def small_server(small_cache):
    with serving("--cache", str(small_cache), "--observatory", "hst", cache="/nonexistent") as server:
        yield server


def _get(server, path, headers=None, method="GET"):
    status, got, body = http_request(server, method, path, headers=headers)
    assert b"Traceback" not in body and SECRET not in body
    return status, got, body


def test_whole_file(small_server, small_cache):
    expected = (small_cache / "mappings" / "hst" / HST_CONTEXT).read_bytes()
    status, headers, body = _get(small_server, f"/unchecked_get/mappings/hst/{HST_CONTEXT}")
    assert (status, body, headers["content-length"]) == (200, expected, str(len(expected)))
    status, headers, body = _get(small_server, f"/unchecked_get/mappings/hst/{HST_CONTEXT}", method="HEAD")
    assert (status, body, headers["content-length"]) == (200, b"", str(len(expected)))


def test_ranges(small_server, small_cache):
    data = (small_cache / "references" / "hst" / REFERENCE).read_bytes()
    url = f"/unchecked_get/references/hst/{REFERENCE}"
    status, headers, body = _get(small_server, url, {"Range": "bytes=10-19"})
    assert (status, body, headers["content-range"]) == (206, data[10:20], f"bytes 10-19/{len(data)}")
    status, headers, body = _get(small_server, url, {"Range": "bytes=-7"})
    assert (status, body, headers["content-length"]) == (206, data[-7:], "7")
    status, headers, body = _get(small_server, url, {"Range": f"bytes={len(data) + 5}-"})
    assert (status, headers["content-range"]) == (416, f"bytes */{len(data)}")


def test_symlink_inside_the_cache_is_served(small_server, small_cache):
    status, _, body = _get(small_server, "/unchecked_get/mappings/hst/hst_inside.pmap")
    assert (status, body) == (200, (small_cache / "mappings" / "hst" / HST_CONTEXT).read_bytes())


@pytest.mark.parametrize("path", [
    "/unchecked_get/mappings/hst/../../config/hst/server_config",
    "/unchecked_get/mappings/hst/%2e%2e/%2e%2e/config/hst/server_config",
    "/unchecked_get/mappings/hst/%2e%2e%2f%2e%2e%2fconfig%2fhst%2fserver_config",
    "/unchecked_get/mappings/hst/..",
    "/unchecked_get/mappings/hst/%2e%2e",
    "/unchecked_get/mappings/hst//etc/passwd",
    "/unchecked_get/mappings/hst/%2Fetc%2Fpasswd",
    "/unchecked_get/config/hst/..%5c..%5cserver_config",
    "/unchecked_get/mappings/hst/hst_outside.pmap",
    "/unchecked_get/references/hst/leak.fits",
    "/unchecked_get/references/hst/acs%2Fleak.fits",
    "/unchecked_get/references/hst/acs/leak.fits",
    f"/unchecked_get/mappings/jwst/{HST_CONTEXT}",
    "/unchecked_get/mappings/hst/",
    "/unchecked_get/pickles/hst/x.pkl",
    "/unchecked_get/mappings/hst/no_such.pmap",
])
def test_names_escaping_the_cache_are_not_found(small_server, path):
    status, headers, body = _get(small_server, path)
    assert status == 404 and headers["content-type"].startswith("text/plain")


def test_escaping_files_are_not_advertised(small_server):
    from crds.client.proxy import crds_decode

    info = rpc(small_server, "get_server_info")["result"]
    assert sorted(crds_decode(info["download_metadata"])) == sorted([HST_CONTEXT, "hst_inside.pmap", REFERENCE])
    infos = rpc(small_server, "get_file_info_map", "hst", ["hst_outside.pmap", "leak.fits", REFERENCE],
                ["size", "state"])["result"]
    assert infos == {"hst_outside.pmap": "NOT FOUND", "leak.fits": "NOT FOUND",
                     REFERENCE: {"size": str((CACHE / "references" / "hst" / REFERENCE).stat().st_size),
                                 "state": "archived"}}


def test_references_are_hashed_in_the_background(small_server, small_cache):
    import hashlib

    from crds.client.proxy import crds_decode

    from .servers import wait_for

    expected = hashlib.sha1((small_cache / "references" / "hst" / REFERENCE).read_bytes()).hexdigest()

    def advertised():
        info = rpc(small_server, "get_server_info")["result"]
        return crds_decode(info["download_metadata"])[REFERENCE]["sha1sum"]

    assert wait_for(lambda: advertised() == expected, seconds=60, interval=0.5)
    assert "hashed 3 files" in small_server.log_text()


def test_crds_sync_fetches_a_reference(small_server, tmp_path):
    done = run_crds("crds.sync", "--files", REFERENCE, "--contexts", HST_CONTEXT, "--check-sha1sum",
                    server_url=small_server.url, crds_path=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    fetched = list(tmp_path.glob(f"references/hst/**/{REFERENCE}"))
    assert [p.read_bytes() for p in fetched] == [(CACHE / "references" / "hst" / REFERENCE).read_bytes()]
