"""Parameter sets -> Arrow tables, and the derived columns of a table.

The conversion is columnar: parameter sets that share their key list (nearly
all of a save) are flattened into one string array and cut into columns, so
the per-dataset Python work is a few C-level list operations.
"""
from __future__ import annotations

from itertools import chain

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..observatories.tables import INSTRUMENT_KEYWORDS, OBSERVATORIES, fix_instrument, observatory_of_instrument
from . import schema as S
from .values import as_parameter

#: The parameters the derived columns and the partition are computed from.
DERIVED_FROM = frozenset(INSTRUMENT_KEYWORDS) | {key for obs in OBSERVATORIES.values() for key in obs.date_keywords}


def headers_to_table(ids: list[str], headers: list[dict]) -> pa.Table:
    """Return a table of ``dataset_id`` and one upper-case string column per parameter.

    Row order is the input order. Non-string values are conditioned as crds
    would see them (:func:`.values.as_parameter`); keys are upper-cased (a
    later key wins when two differ only by case, as with crds's conditioning).
    """
    n = len(ids)
    if n == 0:
        return pa.table({S.DATASET_ID: pa.array([], pa.string())})
    key_lists = list(map(tuple, headers))
    if len(set(key_lists)) == 1:
        groups = {key_lists[0]: None}
    else:
        groups: dict[tuple, list[int] | None] = {}
        for i, keys in enumerate(key_lists):
            groups.setdefault(keys, []).append(i)
    pieces = []
    for keys, rows in groups.items():
        chosen = headers if rows is None else [headers[i] for i in rows]
        pieces.append(_group_table(keys, chosen, rows))
    table = pieces[0] if len(pieces) == 1 else pa.concat_tables(pieces, promote_options="default")
    id_array = _strings(ids)
    if len(pieces) > 1:
        # Row order only decides which of two rows of one dataset wins: restore
        # it only when this batch has such a pair (sorting costs).
        id_array = id_array.take(table.column("_row"))
        if len(set(ids)) < len(ids):
            order = pc.sort_indices(table.column("_row"))
            table, id_array = table.take(order), id_array.take(order)
    table = table.drop_columns(["_row"])
    return table.add_column(0, S.DATASET_ID, id_array)


def _group_table(keys: tuple, headers: list[dict], rows: list[int] | None) -> pa.Table:
    n, k = len(headers), len(keys)
    upper = [str(key).upper() for key in keys]
    columns: dict[str, pa.Array] = {}
    if k:
        flat = _strings(list(chain.from_iterable(map(dict.values, headers))))
        # One take turns the row-major values column-major; columns are then zero-copy slices.
        by_column = flat.take(pa.array(np.arange(n * k).reshape(n, k).T.ravel()))
        for j, name in enumerate(upper):
            # A later key wins when two keys differ only by case.
            columns[name] = by_column.slice(j * n, n)
    rows_array = pa.array(np.arange(n) if rows is None else np.asarray(rows), pa.int64())
    return pa.table({**columns, "_row": rows_array})


def _strings(values: list) -> pa.Array:
    try:
        array = pa.array(values, pa.string())
        if array.null_count == 0:
            return array
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        pass
    return pa.array([as_parameter(value) for value in values], pa.string())


# ---------------------------------------------------------------------------------------


def instrument_of(table: pa.Table) -> pa.Array:
    """Lower-case standard instrument per row (fixers applied), null when none is given.

    The first of :data:`INSTRUMENT_KEYWORDS` present and not UNDEFINED wins, as in crds.
    """
    candidates = []
    for key in INSTRUMENT_KEYWORDS:
        if key in table.column_names:
            col = table.column(key)
            stripped = pc.utf8_trim_whitespace(col)
            undefined = pc.fill_null(pc.equal(pc.utf8_upper(stripped), "UNDEFINED"), False)
            candidates.append(pc.if_else(undefined, pa.scalar(None, pa.string()), col))
    if not candidates:
        return pa.nulls(table.num_rows, pa.string())
    raw = pc.coalesce(*candidates) if len(candidates) > 1 else candidates[0]
    return _map_unique(raw, lambda name: fix_instrument(name))


def observatory_of(instruments: pa.Array) -> pa.Array:
    """Observatory name per row from standard instrument names; null when unknown."""
    def lookup(name: str) -> str | None:
        obs = observatory_of_instrument(name)
        return obs.name if obs else None
    return _map_unique(instruments, lookup)


def timestamp_of(table: pa.Table, observatories: pa.Array) -> pa.Array:
    """The observatory's date keywords joined by one space (as crds compares them), or null."""
    result = pa.nulls(table.num_rows, pa.string())
    for obs in OBSERVATORIES.values():
        keys = obs.date_keywords
        if not all(key in table.column_names for key in keys):
            continue
        cols = [table.column(key).combine_chunks() for key in keys]
        joined = cols[0] if len(cols) == 1 else pc.binary_join_element_wise(*cols, " ")
        mask = pc.fill_null(pc.equal(observatories, obs.name), False)
        result = pc.if_else(mask, joined, result)
    return result


def date_keys_of(table: pa.Table, observatories: pa.Array) -> pa.Array:
    """Per row, its observatory's two date keywords as a normalized date number (:data:`schema.DATE_KEY`), -1
    where there is none (observatories with one date keyword, unknown ones, fractions, invalid dates)."""
    from ..engine.dates import stored_date_keys  # the engine's own normalization, by the rows' observatory

    keys = np.full(table.num_rows, -1, dtype=np.int64)
    for obs in OBSERVATORIES.values():
        names = tuple(obs.date_keywords)
        if len(names) != 2 or not all(name in table.column_names for name in names):
            continue
        rows = np.flatnonzero(pc.fill_null(pc.equal(observatories, obs.name), False).to_numpy(zero_copy_only=False))
        if not len(rows):
            continue
        columns = [table.column(name).combine_chunks() for name in names]
        if len(rows) < table.num_rows:  # else every row, as they are
            columns = [column.take(pa.array(rows)) for column in columns]
        keys[rows] = stored_date_keys(*columns, names)
    return pa.array(keys, pa.int64())


def ids_parts(ids: pa.Array) -> tuple[pa.Array, pa.Array]:
    """``(product_id, exposure_id)``: the parts of ``PRODUCT:EXPOSURE`` ids (a bare id is both)."""
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    if ids.type != pa.string() or ids.null_count or len(ids) == 0:
        product = pc.replace_substring_regex(ids, pattern=":.*", replacement="", max_replacements=1)
        exposure = pc.replace_substring_regex(ids, pattern="^[^:]*:", replacement="", max_replacements=1)
        return product, exposure
    # Cut at each id's first colon in numpy (a regex per id cost a tenth of an ingest):
    # ``:`` is ASCII, so a cut there keeps UTF-8 whole.
    offsets = np.frombuffer(ids.buffers()[1], np.int32, len(ids) + 1, ids.offset * 4)
    starts, ends = offsets[:-1], offsets[1:]
    data = np.frombuffer(ids.buffers()[2], np.uint8, offsets[-1])
    colons = np.flatnonzero(data == ord(":")).astype(np.int32)
    colons = np.append(colons, np.int32(offsets[-1]))  # a stand-in past every id
    first_colon = colons[np.searchsorted(colons, starts)]
    has = first_colon < ends
    cut = np.where(has, first_colon, ends)
    return _pieces(ids, starts, cut), _pieces(ids, np.where(has, first_colon + 1, starts), ends)


def _pieces(strings: pa.Array, lo: np.ndarray, hi: np.ndarray) -> pa.Array:
    """Bytes ``lo[i]:hi[i]`` of ``strings``'s data buffer as a new string array (``hi[i] <= lo[i + 1]``)."""
    # Element 2i is piece i, element 2i+1 the bytes up to the next piece; taking the even ones copies the pieces.
    offsets = np.empty(2 * len(lo) + 1, np.int32)
    offsets[0:-1:2], offsets[1::2] = lo, hi
    offsets[-1] = hi[-1]
    spread = pa.StringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), strings.buffers()[2])
    return spread.take(pa.array(np.arange(0, len(offsets) - 1, 2, dtype=np.int32)))


def _map_unique(values: pa.Array, func) -> pa.Array:
    """Apply ``func`` to each distinct non-null string (few: instruments), vectorized over rows."""
    encoded = pc.dictionary_encode(values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values)
    mapped = pa.array([func(v) if v is not None else None for v in encoded.dictionary.to_pylist()], pa.string())
    return mapped.take(encoded.indices)


def add_derived(table: pa.Table) -> tuple[pa.Table, pa.Array, pa.Array]:
    """Add product/exposure ids, the timestamp and the date key; return ``(table, observatory, instrument)``.

    ``table`` has ``dataset_id`` and parameters; the result's columns are
    :data:`schema.FILE_COLUMNS` then the parameters. Observatory/instrument
    are returned beside it: they are partition keys, not file columns.
    """
    instruments = instrument_of(table)
    observatories = observatory_of(instruments)
    timestamp = timestamp_of(table, observatories)
    date_key = date_keys_of(table, observatories)
    ids = table.column(S.DATASET_ID).combine_chunks()
    product, exposure = ids_parts(ids)
    params = [name for name in table.column_names if S.is_parameter(name)]
    out = pa.table({S.DATASET_ID: ids, S.PRODUCT_ID: product, S.EXPOSURE_ID: exposure, S.TIMESTAMP: timestamp,
                    S.DATE_KEY: date_key, **{name: table.column(name) for name in params}})
    return out, observatories, instruments
