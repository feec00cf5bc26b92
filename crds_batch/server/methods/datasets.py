"""Archive dataset parameters from the parameter store: ``get_dataset_ids``, ``get_dataset_headers_by_id``.

A store is opened per request, so a request reads one generation of it from
start to end even while the store is re-ingested.
"""
from __future__ import annotations

import functools
import operator

import pyarrow.dataset as ds

from ...errors import CrdsBatchError
from ...store import Store, normalize_id, parse_since
from ...store import schema as S
from ...tools.mapping_tree import load_parsed
from ..jsonrpc import InvalidParamsError, OtherError
from . import params
from .registry import Call, rpc_method

#: What CRDS's HST server returns for an id its catalog query did not find.
MISSING_ID = "NOT FOUND no match found in query"


def open_store(call: Call) -> Store:
    if call.state.store_path is None:
        raise OtherError("This server has no parameter store (start it with --store STORE)")
    try:
        return Store(call.state.store_path)
    except CrdsBatchError as exc:
        raise OtherError(str(exc)) from None


def _since(value) -> str | None:
    try:
        return parse_since(params.text("datasets_since", value, optional=True))
    except CrdsBatchError as exc:
        raise InvalidParamsError(str(exc)) from None


def _since_filter(since: str | None):
    if since is None:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    from ...store.selection import NO_DATE

    return pc.coalesce(ds.field(S.TIMESTAMP), pa.scalar(NO_DATE)) >= pa.scalar(since)


@rpc_method
def get_dataset_ids(call: Call, context, instrument, datasets_since=None) -> list[str]:
    """Ids (``PRODUCT:EXPOSURE``) of the store's datasets of ``instrument``, dated on/after ``datasets_since``."""
    parsed = _parsed_context(call, context)
    name = params.text("instrument", instrument).lower()
    since = _since(datasets_since)
    if str(parsed.header.get("mapping", "")).lower() == "pipeline" and \
            name not in {str(key).lower() for key in parsed.selector}:
        raise OtherError(f"Unknown instrument {name!r} for context {parsed.name!r}")
    store = open_store(call)
    if (call.state.observatory, name) not in store.instruments():
        return []
    table = store.dataset([name]).to_table(columns=[S.DATASET_ID], filter=_partition_filter(call, since))
    return sorted(table.column(S.DATASET_ID).to_pylist())


def _parsed_context(call: Call, context):
    try:
        return load_parsed(call.state.context_path(context))
    except CrdsBatchError as exc:
        raise OtherError(str(exc)) from None


def _partition_filter(call: Call, since: str | None):
    expr = ds.field(S.OBSERVATORY) == call.state.observatory
    extra = _since_filter(since)
    return expr if extra is None else expr & extra


def headers_by_id(call: Call, dataset_ids: list[str], since: str | None) -> dict:
    """``{id: {PARAM: value}}`` for the requested ids; a bare id asks for every dataset of that product
    or exposure; ids matching nothing map to :data:`MISSING_ID`, as CRDS's server answers (a bare
    missing id ``X`` is answered as ``X:X``)."""
    wanted = sorted({dataset_id.strip().upper() for dataset_id in dataset_ids})
    exact = [i for i in wanted if ":" in i]
    bare = [i for i in wanted if ":" not in i]
    store = open_store(call)
    headers: dict = {}
    clauses = ([ds.field(S.DATASET_ID).isin(exact)] if exact else []) + (
        [ds.field(S.PRODUCT_ID).isin(bare), ds.field(S.EXPOSURE_ID).isin(bare)] if bare else [])
    if clauses and store.files([call.state.observatory]):
        match = functools.reduce(operator.or_, clauses)
        table = store.dataset([call.state.observatory]).to_table(filter=match & _partition_filter(call, since))
        names = [name for name in table.column_names if S.is_parameter(name)]
        ids = table.column(S.DATASET_ID).to_pylist()
        columns = [(name, table.column(name).to_pylist()) for name in names]
        for row, dataset_id in enumerate(ids):
            headers[dataset_id] = {name: values[row] for name, values in columns if values[row] is not None}
    found = set(headers)
    for dataset_id in list(headers):
        found.update(dataset_id.split(":", 1))
    for dataset_id in wanted:
        if dataset_id not in found:
            # keyed PRODUCT:EXPOSURE even for a bare id: crds list splits every returned key at ':'
            headers[normalize_id(dataset_id)] = MISSING_ID
    return headers


@rpc_method
def get_dataset_headers_by_id(call: Call, context, dataset_ids, datasets_since=None) -> dict:
    """Parameters of up to ``max_headers_per_rpc`` datasets from the store."""
    call.state.context_path(context)
    limit = call.state.max_per_rpc("max_headers_per_rpc")
    ids = params.text_list("dataset_ids", dataset_ids, limit=limit)
    return headers_by_id(call, ids, _since(datasets_since))
