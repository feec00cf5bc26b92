"""``get_system_versions`` (CRDS user's guide, "Interface for Calibration S/W Versions"): the JSON content of the
CALVER reference the context's SYSTEM rules select for a master version, as the real crds client receives it."""
from __future__ import annotations

import datetime
import json
import os
import shutil

import pytest

from tests.conftest import CACHE
from tests.oracle import crds_bestrefs

from .servers import rpc, run_crds_python, serving

VERSION = "0.13.0"


def _calver_of(version: str, context: str) -> str:
    """The CALVER reference crds itself selects for ``version`` today (the oracle)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    header = {"META.INSTRUMENT.NAME": "SYSTEM", "META.CALIBRATION_SOFTWARE_VERSION": version,
              "META.OBSERVATION.DATE": now.strftime("%Y-%m-%d"), "META.OBSERVATION.TIME": now.strftime("%H:%M:%S")}
    return crds_bestrefs({"calver": header}, context, "jwst", ["calver"])["calver"]["calver"]


@pytest.fixture(scope="module")
def jwst_cache(tmp_path_factory):
    """The shared JWST mappings and config, plus the CALVER reference 0.13.0 selects under jwst_0541."""
    root = tmp_path_factory.mktemp("jwst-cache")
    os.symlink(CACHE / "mappings", root / "mappings")
    (root / "config").mkdir()
    shutil.copytree(CACHE / "config" / "jwst", root / "config" / "jwst")
    name = _calver_of(VERSION, "jwst_0541.pmap")
    assert name.endswith(".json"), name
    content = {"CAL_VER": VERSION, "reftype": "CALVER", "instrument": "SYSTEM",
               "versions": {"AssignWcsStep": "0.13.0", "FlatFieldStep": None}}
    (root / "references" / "jwst").mkdir(parents=True)
    (root / "references" / "jwst" / name).write_text(json.dumps(content))
    return root, content


@pytest.fixture(scope="module")
def jwst_server(jwst_cache):
    with serving("--observatory", "jwst", cache=jwst_cache[0]) as server:
        yield server


def test_the_crds_client_gets_the_versions_file(jwst_server, jwst_cache, tmp_path):
    code = ("import json\nfrom crds.client import api\n"
            f"print(json.dumps([dict(api.get_system_versions({VERSION!r})),"
            f" dict(api.get_system_versions({VERSION!r}, 'jwst-operational'))]))")
    got = run_crds_python(code, server_url=jwst_server.url, crds_path=tmp_path, observatory="jwst")
    assert got == [jwst_cache[1], jwst_cache[1]]


def test_bad_versions_and_versions_without_a_file_are_one_line_errors(jwst_server):
    bad = rpc(jwst_server, "get_system_versions", "an,invalid(version)", "null")["error"]["message"]
    assert bad == "OtherError: Invalid version string,  must be 1-128 chars of A-Z, a-z, 0-9, ., -, _"
    other = _calver_of("0.12.0", "jwst_0541.pmap")
    missing = rpc(jwst_server, "get_system_versions", "0.12.0", "jwst_0541.pmap")["error"]["message"]
    assert missing == f"OtherError: {other} (the versions of '0.12.0' under jwst_0541.pmap) is not in this server's cache"
    unknown = rpc(jwst_server, "get_system_versions", "99.99.99", None)["error"]["message"]
    assert unknown.startswith("OtherError: jwst_0541.pmap selects no calibration software versions for '99.99.99'")
