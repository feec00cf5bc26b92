"""The JSON-RPC envelope and the methods, checked through the real crds client's proxy and raw HTTP."""
from __future__ import annotations

import json

from tests.conftest import CACHE

from .conftest import HST_CONTEXT
from .servers import http_request, rpc


def test_health(hst_server):
    status, headers, body = http_request(hst_server, "GET", "/health")
    assert status == 200 and json.loads(body) == {"status": "ok", "observatory": "hst", "store": True}


def test_default_context_envelope_form(hst_server):
    reply = rpc(hst_server, "get_default_context", "hst", None, path="/json/get_default_context/t-1/")
    assert reply == {"jsonrpc": "1.0", "id": "t-1", "result": HST_CONTEXT, "error": None}


def test_mapping_closure_and_parkeys_equal_crds(hst_server):
    import crds

    from tests.oracle import quiet_crds

    with quiet_crds():
        pmap = crds.get_cached_mapping(HST_CONTEXT)
        expected_names = sorted(pmap.mapping_names())
        expected_refs = sorted(pmap.reference_names())
        expected_parkeys = pmap.get_required_parkeys()
    assert rpc(hst_server, "get_mapping_names", HST_CONTEXT)["result"] == expected_names
    assert rpc(hst_server, "get_reference_names", HST_CONTEXT)["result"] == expected_refs
    assert rpc(hst_server, "get_required_parkeys", HST_CONTEXT)["result"] == expected_parkeys


def test_server_info_describes_this_server_and_cache(hst_server):
    from crds.client.proxy import crds_decode

    info = rpc(hst_server, "get_server_info")["result"]
    assert info["observatory"] == "hst"
    assert info["operational_context"] == HST_CONTEXT
    assert info["mapping_url"] == {"hst": f"{hst_server.url}/unchecked_get/mappings/hst/"}
    assert info["reference_url"] == {"hst": f"{hst_server.url}/unchecked_get/references/hst/"}
    assert info["mappings"] == sorted(p.name for p in (CACHE / "mappings" / "hst").iterdir())
    assert info["max_headers_per_rpc"] == 1000
    metadata = crds_decode(info["download_metadata"])
    import hashlib

    pmap = CACHE / "mappings" / "hst" / HST_CONTEXT
    assert metadata[HST_CONTEXT] == {"size": str(pmap.stat().st_size),
                                     "sha1sum": hashlib.sha1(pmap.read_bytes()).hexdigest()}
    reference = next((CACHE / "references" / "hst").iterdir())
    assert metadata[reference.name]["size"] == str(reference.stat().st_size)
