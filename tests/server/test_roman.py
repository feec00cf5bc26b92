"""Roman: crds.getreferences downloads the chosen reference from the server; closures need no checksum."""
from __future__ import annotations

import hashlib

import pytest

from tests.conftest import CACHE

from .servers import rpc, run_crds_python, serving

HEADER = {"ROMAN.META.INSTRUMENT.NAME": "WFI", "ROMAN.META.INSTRUMENT.DETECTOR": "WFI01",
          "ROMAN.META.EXPOSURE.TYPE": "WFI_IMAGE", "ROMAN.META.EXPOSURE.START_TIME": "2021-01-01 00:00:00",
          "ROMAN.META.INSTRUMENT.OPTICAL_ELEMENT": "GRISM"}


@pytest.fixture(scope="module")
def roman_server():
    with serving("--observatory", "roman") as server:
        yield server


def test_getreferences_fetches_the_reference(roman_server, tmp_path):
    import crds

    from tests.oracle import quiet_crds

    with quiet_crds():
        expected = crds.getrecommendations(dict(HEADER), context="roman_0004.pmap", observatory="roman")
    code = ("import json, os, crds\n"
            f"paths = crds.getreferences({HEADER!r}, context='roman_0004.pmap', observatory='roman')\n"
            "print(json.dumps(paths))\n")
    paths = run_crds_python(code, server_url=roman_server.url, crds_path=tmp_path / "cache", observatory="roman")
    assert {kind: path.rsplit("/", 1)[-1] for kind, path in paths.items()} == expected
    for kind, path in paths.items():
        source = CACHE / "references" / "roman" / expected[kind]
        with open(path, "rb") as fetched:
            assert hashlib.sha1(fetched.read()).digest() == hashlib.sha1(source.read_bytes()).digest()
        assert path.startswith(str(tmp_path / "cache"))


def test_closure_of_a_context_with_a_bad_checksum(roman_server):
    from crds.core import rmap

    from tests.oracle import quiet_crds

    with quiet_crds():
        expected = sorted(rmap.load_mapping("roman_0007.pmap", ignore_checksum=True).mapping_names())
    assert rpc(roman_server, "get_mapping_names", "roman_0007.pmap")["result"] == expected
