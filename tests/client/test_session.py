"""CrdsClient against a real ``crds-batch serve`` on loopback: calls, envelopes, downloads, serverless mode."""
from __future__ import annotations

import hashlib
import os

import pytest

from crds_batch.client import (ClientSettings, ClientSettingsError, CrdsClient, RemoteMethodError, ServerlessError,
                               ServerReplyError, api)
from crds_batch.client.envelope import crds_decode
from tests.conftest import CACHE
from tests.server.servers import rpc


def client_for(url: str, **env: str) -> CrdsClient:
    return CrdsClient(ClientSettings.from_env(env, server_url=url))


def test_call_returns_the_result_the_server_sends(hst_server):
    expected = rpc(hst_server, "get_default_context", "hst", None)["result"]
    with client_for(hst_server.url) as client:
        assert client.call("get_default_context", "hst", None) == expected
        assert client.call("get_mapping_names", expected) == rpc(hst_server, "get_mapping_names", expected)["result"]


def test_crds_encoded_results_are_decoded(hst_server):
    raw = rpc(hst_server, "get_server_info")["result"]["download_metadata"]
    assert "crds_encoded" in raw  # the server encodes it, as real servers do
    with client_for(hst_server.url) as client:
        info = api.server_info(client, "hst")
    metadata = crds_decode(info["download_metadata"])
    pmap = info["operational_context"]
    assert int(metadata[pmap]["size"]) == os.path.getsize(CACHE / "mappings" / "hst" / pmap)
    assert api.file_url(info, "mapping", "hst") == f"{hst_server.url}/unchecked_get/mappings/hst/"


def test_error_envelope_is_one_line_naming_server_and_method(hst_server):
    with client_for(hst_server.url, CRDS_CLIENT_RETRY_COUNT="3") as client:
        with pytest.raises(RemoteMethodError) as caught:
            client.call("get_mapping_names", "hst_9999.pmap")
    text = str(caught.value)
    assert text.startswith(f"CRDS server {hst_server.url}: get_mapping_names: ")
    assert "hst_9999.pmap" in text and "\n" not in text


def test_connections_are_reused(hst_server):
    with client_for(hst_server.url) as client:
        for _ in range(5):
            client.call("get_default_context", "hst", None)
        pools = client._session.get_adapter(hst_server.url).poolmanager.pools
        assert sum(pool.num_connections for pool in pools._container.values()) == 1


def test_download_is_whole_and_checked(hst_server, tmp_path):
    with client_for(hst_server.url) as client:
        info = api.server_info(client, "hst")
        pmap = info["operational_context"]
        metadata = crds_decode(info["download_metadata"])[pmap]
        target = tmp_path / pmap
        written = client.download(api.file_url(info, "mapping", "hst") + pmap, str(target), size=int(metadata["size"]),
                                  sha1=metadata["sha1sum"])
        original = (CACHE / "mappings" / "hst" / pmap).read_bytes()
        assert target.read_bytes() == original and written == len(original)
        assert hashlib.sha1(original).hexdigest() == metadata["sha1sum"]
        wrong = tmp_path / "wrong.pmap"
        with pytest.raises(ServerReplyError, match=r"download hst_\d+\.pmap: sha1 .* differs"):
            client.download(api.file_url(info, "mapping", "hst") + pmap, str(wrong), sha1="0" * 40)
        assert os.listdir(tmp_path) == [pmap]  # no file, no temp file left for the failed one


def test_serverless_reads_the_cache_config(monkeypatch):
    monkeypatch.setenv("CRDS_PATH", str(CACHE))
    for url in ("", "https://hst-serverless.stsci.edu"):
        with client_for(url) as client:
            assert client.serverless
            info = api.server_info(client, "hst")
            assert info["connected"] is False and info["operational_context"].startswith("hst_")
            with pytest.raises(ServerlessError, match="get_dataset_ids: no CRDS server configured"):
                api.dataset_ids(client, "hst_0729.pmap", "acs")


@pytest.mark.parametrize("name, value", [("CRDS_CLIENT_RETRY_COUNT", "0"), ("CRDS_CLIENT_RETRY_COUNT", "many"),
                                         ("CRDS_CLIENT_TIMEOUT_SECONDS", "-1"),
                                         ("CRDS_CLIENT_RETRY_DELAY_SECONDS", "1e9")])
def test_bad_settings_are_one_line(name, value):
    with pytest.raises(ClientSettingsError, match=name):
        ClientSettings.from_env({name: value}, server_url="http://127.0.0.1:1")


def test_url_must_be_http():
    with pytest.raises(ClientSettingsError, match="must start with http"):
        ClientSettings.from_env({}, server_url="ftp://example.org")
