"""Many clients at once, and a store re-ingested while served."""
from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor

from crds_batch.store import ingest
from tests.conftest import CACHE

from .conftest import HST_CONTEXT
from .servers import http_request, rpc, serving


def test_concurrent_header_queries_and_downloads(hst_server, hst_save):
    _, params = hst_save
    ids = sorted(params)
    pmap = (CACHE / "mappings" / "hst" / HST_CONTEXT).read_bytes()

    def headers(n):
        chunk = ids[n % 4::4]
        return rpc(hst_server, "get_dataset_headers_by_id", HST_CONTEXT, chunk)["result"] == \
            {i: params[i] for i in chunk}

    def download(_):
        status, _, body = http_request(hst_server, "GET", f"/unchecked_get/mappings/hst/{HST_CONTEXT}")
        return status == 200 and body == pmap

    with ThreadPoolExecutor(8) as pool:
        outcomes = [pool.submit(headers if n % 2 else download, n) for n in range(48)]
        assert all(future.result(timeout=120) for future in outcomes)


def test_reingested_store_is_seen_by_the_next_request(hst_save, tmp_path):
    save, params = hst_save
    store = tmp_path / "store"
    ingest([str(save)], str(store))
    first = sorted(params)[0]
    with serving("--observatory", "hst", "--store", str(store)) as server:
        assert rpc(server, "get_dataset_headers_by_id", HST_CONTEXT, [first])["result"] == {first: params[first]}
        changed = dict(params[first], DETECTOR="CHANGED")
        update = tmp_path / "update.json"
        update.write_text(json.dumps({first: changed}) + "\n")
        ingest([str(update)], str(store))
        assert rpc(server, "get_dataset_headers_by_id", HST_CONTEXT, [first])["result"] == {first: changed}
        shutil.rmtree(store)
        reply = rpc(server, "get_dataset_headers_by_id", HST_CONTEXT, [first])
        assert reply["error"]["name"] == "OtherError" and "not a parameter store" in reply["error"]["message"]
