"""The server's methods crds-batch uses, as plain functions of a :class:`~.session.CrdsClient`.

Serverless mode (no server URL, or one naming "serverless") answers what it
can from the cache's ``config/<obs>/server_config``, as crds does; the rest
raise :class:`~.errors.ServerlessError`.
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

from ..cache.server_config import load_server_config
from .errors import ServerReplyError
from .session import CrdsClient

#: What crds assumes when the server does not say (crds.client.api.get_dataset_headers_unlimited).
DEFAULT_MAX_HEADERS_PER_RPC = 500


def server_info(client: CrdsClient, observatory: str) -> dict:
    """``get_server_info()`` with its ``*_url`` entries reduced to the unchecked form and
    ``download_metadata`` left encoded (as crds stores it); in serverless mode the cache's copy."""
    if client.serverless:
        info = dict(load_server_config(observatory).raw)
        info.update(status="cache", connected=False)
        return info
    info = _expect(client, "get_server_info", client.call("get_server_info"), dict)
    for key in ("mapping_url", "reference_url", "config_url", "pickle_url"):
        if isinstance(info.get(key), dict) and "unchecked" in info[key]:
            info[key] = info[key]["unchecked"]
    info.update(status="server", connected=True)
    return info


def file_url(info: dict, kind: str, observatory: str) -> str:
    """The base URL of ``kind`` ("mapping", "reference", "config") files of ``observatory``."""
    value = info.get(f"{kind}_url")
    if isinstance(value, dict):
        value = value.get(observatory)
    if not isinstance(value, str) or not value:
        raise ServerReplyError(str(info.get("server", "(cache)")), "get_server_info", f"no {kind}_url for {observatory}")
    return value if value.endswith("/") else value + "/"


def default_context(client: CrdsClient, observatory: str) -> str:
    """The server's latest (operational) context: what ``crds list --operational-context`` prints."""
    info = server_info(client, observatory)
    name = info.get("latest_context", info.get("operational_context"))
    if not isinstance(name, str):
        raise ServerReplyError(client.url or "(cache)", "get_server_info", "no latest_context or operational_context")
    return name


def context_by_date(client: CrdsClient, spec: str, observatory: str) -> str:
    """The server's translation of a date-based context (``hst-2020-01-01T00:00:00`` -> a mapping name)."""
    return _expect(client, "get_context_by_date", client.call("get_context_by_date", spec, observatory), str)


def context_of_state(client: CrdsClient, observatory: str, state: str | None) -> str:
    """The server's context of a state: None (operational), "edit" or "versions"."""
    return _expect(client, "get_default_context", client.call("get_default_context", observatory, state), str)


def remote_context(client: CrdsClient, observatory: str, pipeline: str) -> str:
    return str(client.call("get_remote_context", observatory, pipeline))


def dataset_ids(client: CrdsClient, context: str, instrument: str, since: str | None = None) -> list[str]:
    ids = client.call("get_dataset_ids", os.path.basename(context), instrument, since)
    return [str(i) for i in _expect(client, "get_dataset_ids", ids, list)]


def dataset_headers(client: CrdsClient, context: str, ids: Sequence[str], since: str | None = None) -> dict[str, Any]:
    """``{id: {PARAM: value} | "error text"}`` for at most ``max_headers_per_rpc`` ids (one call)."""
    headers = client.call("get_dataset_headers_by_id", os.path.basename(context), list(ids), since)
    return _expect(client, "get_dataset_headers_by_id", headers, dict)


def max_headers_per_rpc(info: dict) -> int:
    value = info.get("max_headers_per_rpc", DEFAULT_MAX_HEADERS_PER_RPC)
    return value if isinstance(value, int) and value > 0 else DEFAULT_MAX_HEADERS_PER_RPC


def chunks(ids: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start:start + size])


def affected_datasets(client: CrdsClient, observatory: str, old: str | None, new: str | None) -> dict:
    result = client.call("get_affected_datasets", observatory, old, new)
    return _expect(client, "get_affected_datasets", result, dict)


def _expect(client: CrdsClient, method: str, value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise ServerReplyError(client.url, method, f"result is {type(value).__name__}, expected {kind.__name__}")
    return value
