"""Best references computed on the server by crds-batch's engine (``crds_batch.getrecommendations``)."""
from __future__ import annotations

from ...api import getrecommendations
from ...errors import CrdsBatchError
from ..jsonrpc import InvalidParamsError, OtherError
from . import params
from .datasets import headers_by_id
from .registry import Call, rpc_method


def _bestrefs(call: Call, context_path: str, header: dict[str, str], reftypes: list[str] | None) -> dict:
    return getrecommendations(header, context=context_path, observatory=call.state.observatory, reftypes=reftypes)


@rpc_method
def get_best_references(call: Call, context, header, reftypes=None) -> dict:
    """``{filekind: name | "NOT FOUND ..."}`` for one header."""
    path = call.state.context_path(context)
    values = params.header("header", header)
    types = params.text_list("reftypes", reftypes, optional=True)
    try:
        return _bestrefs(call, path, values, types)
    except CrdsBatchError as exc:
        raise OtherError(str(exc)) from None


def _many(call: Call, path: str, headers: dict, types: list[str] | None) -> dict:
    results: dict = {}
    for dataset_id, header in headers.items():
        if isinstance(header, str):
            results[dataset_id] = header
            continue
        try:
            results[dataset_id] = _bestrefs(call, path, header, types)
        except CrdsBatchError as exc:
            results[dataset_id] = f"NOT FOUND {exc}"
    return results


@rpc_method
def get_best_references_by_header_map(call: Call, context, header_map, reftypes=None) -> dict:
    """``{id: bestrefs | "NOT FOUND <why>"}`` for up to ``max_bestrefs_per_rpc`` headers."""
    path = call.state.context_path(context)
    if not isinstance(header_map, dict):
        raise InvalidParamsError("header_map must be an object {dataset_id: header}")
    limit = call.state.max_per_rpc("max_bestrefs_per_rpc")
    if len(header_map) > limit:
        raise InvalidParamsError(f"header_map: {len(header_map)} headers, more than the {limit} allowed per call")
    headers = {str(key): params.header(f"header_map[{key!r}]", value) for key, value in header_map.items()}
    return _many(call, path, headers, params.text_list("reftypes", reftypes, optional=True))


@rpc_method
def get_best_references_by_ids(call: Call, context, dataset_ids, reftypes=None, include_headers=False) -> dict:
    """Best references of stored datasets: ``{id: bestrefs | "NOT FOUND ..."}``."""
    path = call.state.context_path(context)
    limit = call.state.max_per_rpc("max_bestrefs_per_rpc")
    ids = params.text_list("dataset_ids", dataset_ids, limit=limit)
    if include_headers:
        raise InvalidParamsError("include_headers is not supported by this server")
    types = params.text_list("reftypes", reftypes, optional=True)
    return _many(call, path, headers_by_id(call, ids, None), types)
