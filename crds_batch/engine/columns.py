"""Dictionary-encoded, conditioned columns of a parameter table.

Each column becomes ``(codes, values)``: an int32 code per row into a list of
distinct *conditioned* values (``-1`` = absent).  Conditioning runs once per
distinct raw value, never per row.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..rules.conditioning import condition_value

_SCALARS = (str, float, int, bool)


@dataclass
class Column:
    codes: np.ndarray          # int32 per row, -1 = absent
    values: list[str]          # conditioned distinct values

    def take(self, rows: np.ndarray) -> Column:
        return Column(self.codes[rows], self.values)

    def with_default(self, default: str) -> Column:
        """Absent entries replaced by ``default`` (minimization's ``UNDEFINED``)."""
        if not (self.codes < 0).any():
            return self
        values = self.values + [default]
        codes = np.where(self.codes < 0, len(values) - 1, self.codes).astype(np.int32)
        return Column(codes, values)


def _python_scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


_CONDITIONED: dict[tuple[type, Any], str] = {}
_CONDITIONED_MAX = 2_000_000  # distinct raw values remembered per process (dates and times repeat across chunks)


def _conditioned(raw: Any) -> str:
    key = (type(raw), raw)
    found = _CONDITIONED.get(key)
    if found is None:
        found = condition_value(raw)
        if len(_CONDITIONED) < _CONDITIONED_MAX:
            _CONDITIONED[key] = found
    return found


#: Strings that condition to themselves: canonical dates and times (no sign, no letters, no blanks,
#: not numbers).  These are most of the distinct values of a table (DATE-OBS, TIME-OBS).
_CANONICAL = r"^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?)$"
#: Printable ASCII with no blank at either end: :func:`condition_value` strips nothing of it and upper-cases
#: it as ASCII does ...
_PLAIN = r"^[!-~]([ -~]*[!-~])?$"
#: ... unless, upper-cased, it is a number or one of the spellings conditioning replaces (N/A and don't-care
#: forms, ANY, T/TRUE/F/FALSE): those take the scalar path.
_REPLACED = (r"^([-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|[+-]?[0-9]+\.)$"
             r"|^(-2147483648.0|\(\)|N/A|NOT APPLICABLE)|^(NOT_APPLICABLE|ANY|T|TRUE|F|FALSE)$")
_VECTOR_MIN = 256  # below this many distinct values the scalar loop is as fast


def _conditioned_by_arrow(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(True where a distinct value is a canonical date or time, True where Arrow computes its conditioned
    form, those forms (object array, other entries unset)); None: not an all-str column, or too few values to
    be worth it.

    Canonical dates and times condition to themselves; other plain ASCII strings (:data:`_PLAIN`) to their
    ASCII upper case unless conditioning replaces them (:data:`_REPLACED`).
    """
    if len(uniques) < _VECTOR_MIN or uniques.dtype != object:
        return None
    if pd.api.types.infer_dtype(uniques, skipna=False) != "string":
        return None
    strings = pa.array(uniques, type=pa.string())
    canonical = pc.match_substring_regex(strings, _CANONICAL).to_numpy(zero_copy_only=False)
    upper = pc.ascii_upper(strings)
    plain = (pc.match_substring_regex(strings, _PLAIN).to_numpy(zero_copy_only=False)
             & ~pc.match_substring_regex(upper, _REPLACED).to_numpy(zero_copy_only=False))
    conditioned = upper.to_numpy(zero_copy_only=False).astype(object)
    conditioned[canonical] = uniques[canonical]
    return canonical, canonical | plain, conditioned


def encode_series(series: pd.Series) -> Column:
    """Factorize and condition one column; values crds would drop (None, NaN, non-scalars) are absent."""
    used = None
    if isinstance(series.dtype, pd.CategoricalDtype):
        # Already codes (a store's dictionary pages): no hashing. Only the categories some row uses are
        # conditioned (a file's dictionary may hold values of rows outside this partition).
        codes, uniques = series.cat.codes.to_numpy(), series.cat.categories
        counts = np.bincount(codes.astype(np.intp) + 1, minlength=len(uniques) + 1)[1:]  # code -1 (null) first
        if not counts.all():
            used = np.flatnonzero(counts)
            uniques = uniques.take(used)
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if not isinstance(uniques, np.ndarray):
        # Arrow-backed strings (a Parquet store's columns): one conversion, not one Arrow access per value.
        uniques = np.asarray(uniques.to_numpy(dtype=object, na_value=None), dtype=object)
    remap, conditioned = _condition_uniques(uniques)
    if used is not None:  # back to the codes of every category (unused ones absent: no row has them)
        full = np.full(len(counts) + 1, -1, dtype=np.int32)
        full[used] = remap[:-1]
        remap = full
    # remap is int32; take, not [], since codes of another width than intp index ~2x slower by []
    return Column(remap.take(codes) if len(codes) else np.zeros(0, np.int32), conditioned)


def _condition_uniques(uniques: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(code of each distinct raw value's conditioned value, -1 for dropped ones and at the end; the
    distinct conditioned values, by first appearance: with many distinct strings the canonical dates and times
    first, computed by Arrow as most others (:func:`_conditioned_by_arrow`))."""
    found = _conditioned_by_arrow(uniques)
    if found is None:
        return _condition_uniques_one_by_one(uniques)
    canonical, done, conditioned = found
    for i in np.flatnonzero(~done).tolist():  # str, so kept
        conditioned[i] = _conditioned(uniques[i])
    # Numbered by first appearance with the canonical values (distinct, conditioned to themselves) first.
    order = np.concatenate([np.flatnonzero(canonical), np.flatnonzero(~canonical)])
    codes, values = pd.factorize(conditioned[order])
    remap = np.full(len(uniques) + 1, -1, dtype=np.int32)
    remap[order] = codes
    return remap, values.tolist()


def _condition_uniques_one_by_one(uniques: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """:func:`_condition_uniques`, each distinct value conditioned in turn, numbered by first appearance."""
    conditioned: list[str] = []
    remap = np.full(len(uniques) + 1, -1, dtype=np.int32)
    index_of: dict[str, int] = {}
    for i in range(len(uniques)):
        raw = _python_scalar(uniques[i])
        if not isinstance(raw, _SCALARS):
            continue
        value = _conditioned(raw)
        j = index_of.get(value)
        if j is None:
            j = index_of[value] = len(conditioned)
            conditioned.append(value)
        remap[i] = j
    return remap, conditioned


class EncodedTable(Mapping[str, Column]):
    """A parameter table's columns, encoded on first use: upper-cased (optionally renamed) name -> :class:`Column`.

    Only the columns the rules read are ever encoded (not the dataset ids or
    prior assignments riding along), and each only once however many contexts
    are evaluated over the same table. Later duplicate names win, as in a dict.
    """

    def __init__(self, table: pd.DataFrame, rename: Mapping[str, str] | None = None):
        self.table = table
        self.nrows = len(table)
        self.index = table.index
        self._positions: dict[str, int] = {}
        for position, name in enumerate(table.columns):
            key = str(name).upper()
            self._positions[rename.get(key, key) if rename else key] = position
        self._encoded: dict[str, Column] = {}
        self._strings: dict[str, pa.Array | None] = {}  # arrow_strings, per column
        #: instrument -> (its rows, what the evaluator derived from them), shared by every context evaluated.
        self.derived: dict[str, tuple[np.ndarray, dict[Any, Any]]] = {}
        #: (date keyword names, per row ``YYYYMMDDHHMMSS`` of the normalized date or -1): a store's
        #: ``date_key`` (:func:`~crds_batch.engine.dates.stored_date_keys`), set by ``encode_table``.
        self.stored_dates: tuple[tuple[str, ...], np.ndarray] | None = None
        #: (instrument keyword, strict) -> the rows of each instrument, found once for every context evaluated.
        self.instrument_rows: dict[tuple[str, bool], dict[str, np.ndarray]] = {}

    def __getitem__(self, key: str) -> Column:
        found = self._encoded.get(key)
        if found is None:
            found = self._encoded[key] = encode_series(self.table.iloc[:, self._positions[key]])
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)

    def __contains__(self, key: object) -> bool:
        return key in self._positions

    def arrow_strings(self, key: str) -> pa.Array | None:
        """Column ``key``'s raw values as one Arrow string array, when the table holds them as Arrow-backed
        strings (a store's dates and times); else None. Made once per column."""
        if key not in self._strings:
            self._strings[key] = self._arrow_strings(key)
        return self._strings[key]

    def _arrow_strings(self, key: str) -> pa.Array | None:
        position = self._positions.get(key)
        if position is None:
            return None
        series = self.table.iloc[:, position]
        arrow_backed = (isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow"
                        or isinstance(series.dtype, pd.ArrowDtype))
        if not arrow_backed:
            return None
        strings = pa.array(series.array)
        if isinstance(strings, pa.ChunkedArray):
            strings = strings.combine_chunks()
        return strings if pa.types.is_string(strings.type) or pa.types.is_large_string(strings.type) else None

    def value_at(self, key: str, row: int) -> str | None:
        """Column ``key``'s conditioned value at ``row`` (None: absent), as its encoding would give it, without
        encoding the column (if not done already)."""
        found = self._encoded.get(key)
        if found is not None:
            code = found.codes[row]
            return found.values[code] if code >= 0 else None
        position = self._positions.get(key)
        if position is None:
            return None
        strings = self.arrow_strings(key)
        if strings is not None:  # an Arrow element: faster than pandas' scalar access
            text = strings[row].as_py()
            return None if text is None else _conditioned(text)
        raw = _python_scalar(self.table.iat[row, position])
        if not isinstance(raw, _SCALARS) or pd.isna(raw):  # what factorize and encoding leave absent
            return None
        return _conditioned(raw)

    def rows_of(self, key: str, rows: np.ndarray) -> Column:
        """Column ``key`` over ``rows`` alone, encoded without encoding the whole column (if not done already)."""
        found = self._encoded.get(key)
        if found is not None:
            return found.take(rows)
        return encode_series(self.table.iloc[rows, self._positions[key]])


class RenamedColumns(Mapping[str, Column]):
    """A view of encoded columns under other names (``names``: new name -> name in ``columns``)."""

    def __init__(self, columns: Mapping[str, Column], names: Mapping[str, str]):
        self._columns = columns
        self._names = dict(names)

    def __getitem__(self, key: str) -> Column:
        return self._columns[self._names[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, key: object) -> bool:
        return key in self._names


def encode_records(records: list[Mapping[str, Any]], rename: Mapping[str, str] | None = None) -> dict[str, Column]:
    """Like :class:`EncodedTable` for a few parameter dicts, eagerly, without pandas overhead (single-call latency)."""
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    columns: dict[str, Column] = {}
    for name in names:
        key = str(name).upper()
        if rename:
            key = rename.get(key, key)
        values: list[str] = []
        index_of: dict[str, int] = {}
        codes = np.full(len(records), -1, dtype=np.int32)
        for row, record in enumerate(records):
            raw = _python_scalar(record.get(name))
            if raw is None or not isinstance(raw, _SCALARS):
                continue
            value = condition_value(raw)
            j = index_of.get(value)
            if j is None:
                j = index_of[value] = len(values)
                values.append(value)
            codes[row] = j
        columns[key] = Column(codes, values)
    return columns


def group_ids(columns: list[Column], nrows: int) -> tuple[np.ndarray, np.ndarray]:
    """(group id per row, first row of each group) over the combination of ``columns``' codes.

    Groups are numbered in the order of their first row (as ``pandas.factorize`` numbers them).
    """
    if not columns:
        return np.zeros(nrows, dtype=np.int64), np.zeros(1 if nrows else 0, dtype=np.int64)
    if nrows <= _SMALL:
        return _small_group_ids(columns, nrows)
    gid: np.ndarray | None = None
    span = 1  # gid < span
    for column in columns:
        width = len(column.values) + 1
        if gid is None:
            gid = column.codes.astype(np.int64)
            gid += 1
            span = width
            continue
        if span * width >= 2**62:  # compact before the mixed-radix key overflows
            gid, uniques = pd.factorize(gid)
            span = len(uniques)
        gid *= width  # in place: one key array, no temporaries per column
        gid += column.codes
        gid += 1
        span *= width
    assert gid is not None
    if span <= _DENSE_SPAN_PER_ROW * nrows + _DENSE_SPAN_MIN:
        return _dense_group_ids(gid, span, nrows)
    gid, uniques = pd.factorize(gid)
    gid = gid.astype(np.int64, copy=False)
    first = np.full(len(uniques), -1, dtype=np.int64)
    # first occurrence of each group (reverse assignment keeps the smallest row index)
    first[gid[::-1]] = np.arange(nrows - 1, -1, -1)
    return gid, first


#: A mixed-radix key spanning at most this many values per row (plus the minimum) is numbered through an
#: array indexed by key instead of a hash table.
_DENSE_SPAN_PER_ROW = 4
_DENSE_SPAN_MIN = 1 << 16


def _dense_group_ids(key: np.ndarray, span: int, nrows: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`group_ids` of keys in ``[0, span)``: first row per key by array assignment, groups by first row."""
    first_of_key = np.full(span, nrows, dtype=np.int64)
    first_of_key[key[::-1]] = np.arange(nrows - 1, -1, -1)  # the last assignment (smallest row) wins
    present = np.flatnonzero(first_of_key < nrows)
    first = first_of_key[present]
    order = np.argsort(first)  # first rows are distinct: groups in order of their first row
    first = first[order]
    group_of_key = first_of_key  # reused: only present keys are read back
    group_of_key[present[order]] = np.arange(len(first), dtype=np.int64)
    return group_of_key[key], first


_SMALL = 32  # below this many rows, plain Python grouping beats pandas' per-call overhead


def _small_group_ids(columns: list[Column], nrows: int) -> tuple[np.ndarray, np.ndarray]:
    index: dict[tuple, int] = {}
    gid = np.empty(nrows, dtype=np.int64)
    first: list[int] = []
    code_lists = [column.codes.tolist() for column in columns]
    for row in range(nrows):
        key = tuple(codes[row] for codes in code_lists)
        g = index.get(key)
        if g is None:
            g = index[key] = len(first)
            first.append(row)
        gid[row] = g
    return gid, np.array(first, dtype=np.int64)
