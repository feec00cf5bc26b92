"""Vectorized UseAfter resolution of candidate chains.

Each distinct date string is normalized once.  UseAfter keys and normalized
dates are ranked together by *string* order (crds compares raw key strings),
so "greatest key <= date" becomes one ``numpy.searchsorted`` over the
concatenated rank tables of every UseAfter in every chain.
"""
from __future__ import annotations

import bisect
from typing import Any

import numpy as np

from ..rules.errors import InvalidDatetimeError
from ..rules.selectors.useafter import normalize_date
from .columns import Column, group_ids
from .compile import Chain, terminal_result

_NONE, _VALUE, _USEAFTER, _ERROR = 0, 1, 2, 3
_SMALL = 8  # below this many rows, walking chains row by row beats building rank tables


def _normalized_dates(columns: list[Column], names: tuple[str, ...], n: int):
    """Per row: distinct-date id; per id: normalized date or None, and error text or None."""
    did, first = group_ids(columns, n)
    normalized: list[str | None] = []
    errors: list[str | None] = []
    for row in first.tolist():
        parts = [column.values[column.codes[row]].strip() for column in columns]
        undefined = next((name for name, part in zip(names, parts) if part == "UNDEFINED"), None)
        if undefined is not None:
            normalized.append(None)
            errors.append(str(InvalidDatetimeError("UseAfter parameter", repr(undefined), "is UNDEFINED.")))
            continue
        try:
            normalized.append(normalize_date(names, " ".join(parts)))
            errors.append(None)
        except Exception as exc:
            normalized.append(None)
            errors.append(str(exc))
    return did, normalized, errors


def resolve_chains(chains: list[Chain], chain_ids: np.ndarray, date_columns: list[Column],
                   date_names: tuple[str, ...], values: Any) -> np.ndarray:
    """Result code per row for rows whose plan is a chain (``values.code`` encodes results)."""
    n = len(chain_ids)
    did, normalized, date_errors = _normalized_dates(date_columns, date_names, n)
    if n <= _SMALL:
        return _resolve_rows(chains, chain_ids, did, normalized, date_errors, values)
    out = np.full(n, -1, dtype=np.int32)

    tables: dict[int, int] = {}
    table_keys: list[list[Any]] = []
    table_choices: list[list[int]] = []
    maxlen = max((len(chain.steps) for chain in chains), default=0)
    kind = np.zeros((len(chains), max(maxlen, 1)), dtype=np.int8)
    arg = np.zeros((len(chains), max(maxlen, 1)), dtype=np.int64)
    na_code = values.code("NOT FOUND n/a")
    failure_na = np.array([chain.failure_is_na for chain in chains], dtype=bool)
    for c, chain in enumerate(chains):
        for k, (what, item) in enumerate(chain.steps):
            if what == "value":
                kind[c, k], arg[c, k] = _VALUE, values.code(item)
            elif what == "error":
                kind[c, k] = _ERROR
                arg[c, k] = na_code if chain.failure_is_na else values.code("NOT FOUND " + item)
            else:
                t = tables.get(id(item))
                if t is None:
                    t = tables[id(item)] = len(table_keys)
                    table_keys.append(list(item.keys))
                    table_choices.append([values.code(terminal_result(choice)) for choice in item.choices()])
                kind[c, k], arg[c, k] = _USEAFTER, t

    # Rank keys and dates together in string order.
    strings = sorted({key for keys in table_keys for key in keys} | {d for d in normalized if d is not None})
    rank = {s: i for i, s in enumerate(strings)}
    width = len(strings) + 1
    combined = np.array([t * width + rank[key] for t, keys in enumerate(table_keys) for key in keys], dtype=np.int64)
    starts = np.cumsum([0] + [len(keys) for keys in table_keys])
    choices = np.array([code for codes in table_choices for code in codes], dtype=np.int64)
    date_rank = np.array([rank[d] if d is not None else -1 for d in normalized], dtype=np.int64)
    date_error_code = np.array([values.code("NOT FOUND " + e) if e is not None else -1 for e in date_errors],
                               dtype=np.int64)

    row_rank = date_rank[did] if len(did) else np.zeros(0, np.int64)
    unresolved = np.ones(n, dtype=bool)
    for k in range(kind.shape[1]):
        step_kind = kind[chain_ids, k]
        step_arg = arg[chain_ids, k]
        active = unresolved & (step_kind != _NONE)
        if not active.any():
            break
        direct = active & ((step_kind == _VALUE) | (step_kind == _ERROR))
        out[direct] = step_arg[direct]
        unresolved &= ~direct
        dated = active & (step_kind == _USEAFTER)
        bad_date = dated & (row_rank < 0)
        if bad_date.any():
            rows = np.flatnonzero(bad_date)
            out[rows] = np.where(failure_na[chain_ids[rows]], na_code, date_error_code[did[rows]])
            unresolved[rows] = False
        good = np.flatnonzero(dated & (row_rank >= 0))
        if len(good):
            tables_of = step_arg[good]
            pos = np.searchsorted(combined, tables_of * width + row_rank[good], side="right") - 1
            found = pos >= starts[tables_of]
            hit = good[found]
            out[hit] = choices[pos[found]]
            unresolved[hit] = False
    if unresolved.any():
        rows = np.flatnonzero(unresolved)
        for row, c in zip(rows.tolist(), chain_ids[rows].tolist()):
            chain = chains[c]
            if chain.failure_is_na:
                out[row] = na_code
            elif chain.top_useafter:
                out[row] = values.code("NOT FOUND No selection <= " + repr(normalized[did[row]]))
            else:
                out[row] = values.code("NOT FOUND No match found.")
    return out


def _resolve_rows(chains: list[Chain], chain_ids: np.ndarray, did: np.ndarray, normalized: list, date_errors: list,
                  values: Any) -> np.ndarray:
    """Row-by-row walk of the same chains (single-dataset latency); identical results."""
    out = np.empty(len(chain_ids), dtype=np.int32)
    for row, (c, d) in enumerate(zip(chain_ids.tolist(), did.tolist())):
        out[row] = values.code(_walk(chains[c], normalized[d], date_errors[d]))
    return out


def _walk(chain: Chain, date: str | None, error: str | None) -> Any:
    for what, item in chain.steps:
        if what == "value":
            return item
        if what == "error":
            return "NOT FOUND n/a" if chain.failure_is_na else "NOT FOUND " + item
        if date is None:
            return "NOT FOUND n/a" if chain.failure_is_na else "NOT FOUND " + error
        index = bisect.bisect_right(item.keys, date) - 1
        if index >= 0:
            return terminal_result(item.selections[index][1])
    if chain.failure_is_na:
        return "NOT FOUND n/a"
    if chain.top_useafter:
        return "NOT FOUND No selection <= " + repr(date)
    return "NOT FOUND No match found."
