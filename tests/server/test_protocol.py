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


def _history(cache_config_observatory="hst"):
    import ast

    text = (CACHE / "config" / cache_config_observatory / "server_config").read_text()
    return ast.literal_eval(text)["context_history"]


def test_context_by_date_between_two_deliveries(hst_server, tmp_path):
    from .servers import run_crds

    newer, older = _history()[:2]
    between = older[0].replace(" ", "T")  # the moment the older one became operational
    assert rpc(hst_server, "get_context_by_date", f"hst-{between}", "hst")["result"] == older[1]
    assert rpc(hst_server, "get_context_by_date", f"hst-{newer[0].replace(' ', 'T')}", "hst")["result"] == newer[1]
    assert rpc(hst_server, "get_context_by_date", "hst-operational", "hst")["result"] == HST_CONTEXT
    import crds

    from tests.oracle import quiet_crds

    with quiet_crds():
        imap = crds.get_cached_mapping(older[1]).get_imap("acs").basename
    assert rpc(hst_server, "get_context_by_date", f"hst-acs-{between}", "hst")["result"] == imap
    done = run_crds("crds.list", "--resolve-contexts", "--contexts", f"hst-{between}",
                    server_url=hst_server.url, crds_path=tmp_path)
    assert done.stdout.split() == [older[1]], done.stderr[-2000:]


def test_context_history_and_listings(hst_server):
    assert rpc(hst_server, "get_context_history", "hst")["result"] == [list(e) for e in _history()]
    assert rpc(hst_server, "list_mappings", "hst", "hst_07*.pmap")["result"] == \
        sorted(p.name for p in (CACHE / "mappings" / "hst").glob("hst_07*.pmap"))
    assert rpc(hst_server, "list_references", "hst", "*")["result"] == \
        sorted(p.name for p in (CACHE / "references" / "hst").iterdir())


def test_remote_context_push_then_get(hst_server):
    assert rpc(hst_server, "get_remote_context", "hst", "ops-pipe")["error"]["name"] == "OtherError"
    assert rpc(hst_server, "push_remote_context", "hst", "latest", "ops-pipe", "hst_0728.pmap")["error"] is None
    assert rpc(hst_server, "get_remote_context", "hst", "ops-pipe")["result"] == "hst_0728.pmap"


def test_dataset_ids_and_headers(hst_server, hst_save):
    _, params = hst_save
    acs = sorted(i for i, p in params.items() if p["INSTRUME"] == "ACS")
    assert rpc(hst_server, "get_dataset_ids", HST_CONTEXT, "acs")["result"] == acs
    assert rpc(hst_server, "get_dataset_ids", HST_CONTEXT, "cos")["result"] == []
    dates = sorted(params[i]["DATE-OBS"] for i in acs)
    since = dates[len(dates) // 2]
    later = rpc(hst_server, "get_dataset_ids", HST_CONTEXT, "acs", since)["result"]
    assert later and set(later) < set(acs) and all(params[i]["DATE-OBS"] >= since[:10] for i in later)
    first = acs[0]
    product = first.split(":")[0]
    headers = rpc(hst_server, "get_dataset_headers_by_id", HST_CONTEXT, [first.lower(), "NOPE123", "A:B"])["result"]
    assert headers == {first: params[first], "NOPE123:NOPE123": "NOT FOUND no match found in query",
                       "A:B": "NOT FOUND no match found in query"}
    members = rpc(hst_server, "get_dataset_headers_by_id", HST_CONTEXT, [product])["result"]
    assert members == {i: params[i] for i in params if i.split(":")[0] == product}
