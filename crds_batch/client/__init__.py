"""The CRDS server protocol, client side: one client for every command that talks to a server.

    with CrdsClient(ClientSettings.from_env(server_url=...)) as client:
        client.call("get_default_context", "hst", None)
        client.download(url, path, size=..., sha1=...)
    api.server_info / dataset_ids / dataset_headers / affected_datasets ...
    ingest_from_server(...)   (archive parameters into a Parquet store)
"""
from __future__ import annotations

from .errors import RemoteMethodError, ServerError, ServerlessError, ServerReplyError, ServerUnavailableError
from .session import CrdsClient
from .settings import ClientSettings, ClientSettingsError

__all__ = ["ClientSettings", "ClientSettingsError", "CrdsClient", "RemoteMethodError", "ServerError",
           "ServerReplyError", "ServerUnavailableError", "ServerlessError"]
