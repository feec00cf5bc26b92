"""Vectorized UseAfter resolution of candidate chains.

Per rmap, each row's date is reduced to how many of the rmap's distinct UseAfter keys
are ``<=`` it (:meth:`.dates.DateTable.key_counts`), and (table, that count) gives
every row's choice from one lookup array (:mod:`.tables`); the chains' steps are read
from arrays encoded once per rmap (:mod:`.chains`).
"""
from __future__ import annotations

import bisect
from typing import Any

import numpy as np

from .chains import STEP_ERROR, STEP_NONE, STEP_USEAFTER, STEP_VALUE, ChainSteps
from .compile import Chain, terminal_result
from .dates import DateTable
from .tables import TableIndex

_SMALL = 8  # below this many rows, walking chains row by row beats building rank tables


def resolve_chains(chains: list[Chain], chain_ids: np.ndarray, dates: DateTable, rows: np.ndarray,
                   values: Any, index: TableIndex | None = None) -> np.ndarray:
    """Result code per row (``rows`` index ``dates``) for rows whose plan is a chain."""
    if len(chain_ids) <= _SMALL:
        did = dates.did[rows] if len(dates.did) else np.zeros(len(rows), dtype=np.int64)
        return np.array([values.code(_walk(chains[c], dates, d)) for c, d in zip(chain_ids.tolist(), did.tolist())],
                        dtype=np.int32)
    index = index if index is not None else TableIndex()
    numbers, encoded = index.chains.numbers(chains)
    out, failed, message = _run_steps(encoded, numbers, chain_ids, rows, dates, values, index)
    if not failed.any():
        return out
    na_code = values.code("NOT FOUND n/a")
    rows_failed = np.flatnonzero(failed)
    failed_chains = chain_ids[rows_failed]
    not_applicable = encoded.dnr[numbers] | ~encoded.required[numbers]  # per chain
    out[rows_failed] = np.where(not_applicable[failed_chains], na_code, message[rows_failed])
    # The fallback chains in order of first appearance among the chains, and each chain's among them (-1: none).
    fallback_of = encoded.fallback[numbers]
    present = fallback_of[fallback_of >= 0]
    distinct, first = np.unique(present, return_index=True)
    fallbacks = distinct[np.argsort(first)]
    local = np.full(encoded.count + 1, -1, dtype=np.int64)  # fallback -1 -> -1
    local[fallbacks] = np.arange(len(fallbacks))
    fb_ids = local[fallback_of][failed_chains]
    retry = rows_failed[fb_ids >= 0]
    if len(retry):
        ids = fb_ids[fb_ids >= 0]
        out2, failed2, message2 = _run_steps(encoded, fallbacks, ids, rows[retry], dates, values, index)
        abort = np.array([values.code(encoded.abort[f]) if f in encoded.abort else -1 for f in fallbacks.tolist()],
                         dtype=np.int64)[ids]
        need = encoded.required[fallbacks][ids]
        final = np.where(abort >= 0, abort, np.where(need, message2, na_code))
        out[retry] = np.where(failed2, final, out2)
    return out


def _run_steps(encoded: ChainSteps, numbers: np.ndarray, chain_ids: np.ndarray, rows: np.ndarray,
               dates: DateTable, values: Any, index: TableIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walk every row's chain at once: (result codes, failed mask, failure text codes).

    ``numbers`` are the encoded chains' numbers of the chains ``chain_ids`` refer to.
    """
    n = len(chain_ids)
    out = np.full(n, -1, dtype=np.int32)
    message = np.full(n, -1, dtype=np.int64)
    failed = np.zeros(n, dtype=bool)

    kind, arg = encoded.encoded(numbers)  # arg a copy: value and error items become their result codes
    maxlen = kind.shape[1]
    # Registered chain by chain, step by step, as the chains are listed.
    flat_kind, flat = kind.reshape(-1), arg.reshape(-1)
    items = np.flatnonzero((flat_kind == STEP_VALUE) | (flat_kind == STEP_ERROR))
    if len(items):
        flat[items] = [values.code(encoded.items[i]) for i in flat[items].tolist()]
    useafters = np.flatnonzero(flat_kind == STEP_USEAFTER)
    flat[useafters] = index.chains.tables_of(flat[useafters])
    ranked = index.ranked(terminal_result)  # covers every table registered above
    if dates.count and len(useafters):
        key_counts = dates.key_counts(ranked.keys, rows)
    else:
        key_counts = np.full(n, -1, dtype=np.int32)

    unresolved = np.ones(n, dtype=bool)
    pending: np.ndarray | None = None  # the rows a step may resolve, ascending (None: every row)
    for k in range(maxlen):
        chains_k = chain_ids if pending is None else chain_ids[pending]
        if not len(chains_k):
            break
        step_arg = arg[:, k].take(chains_k)
        chain_kinds = kind[:, k]
        if chain_kinds.min() == chain_kinds.max():  # every chain's step k is of one kind (mostly: UseAfter)
            only = int(chain_kinds[0])
            if only == STEP_NONE:
                break  # every chain ended (its rows stay unresolved)
            at = np.arange(n) if pending is None else pending
            if only != STEP_USEAFTER:
                _set_items(only, at, step_arg, out, message, failed, unresolved)
                break  # no row goes on to a next step
            tables = step_arg
        else:
            step_kind = chain_kinds.take(chains_k)
            for item_kind in (STEP_VALUE, STEP_ERROR):
                of_kind = step_kind == item_kind
                if of_kind.any():
                    _set_items(item_kind, _rows_at(pending, of_kind), step_arg[of_kind], out, message, failed,
                               unresolved)
            of_kind = step_kind == STEP_USEAFTER
            if not of_kind.any():
                break
            at, tables = _rows_at(pending, of_kind), step_arg[of_kind]
        pending = _choose(at, tables, key_counts if pending is None and len(at) == n else key_counts.take(at),
                          ranked, dates, rows, values, out, message, failed, unresolved)
        if not len(pending):
            break
    if unresolved.any():
        # Every candidate failed: the text depends on the chain kind and, for a top UseAfter, the date only.
        left = np.flatnonzero(unresolved)
        top = encoded.top_useafter[numbers][chain_ids[left]]
        if (~top).any():
            message[left[~top]] = values.code("NOT FOUND No match found.")
        if top.any():
            dated = left[top]
            if dates.count:
                distinct, inverse = np.unique(dates.did[rows[dated]], return_inverse=True)
                texts = [_exhausted(_TOP, dates.date(d)) for d in distinct.tolist()]
                message[dated] = np.array([values.code(t) for t in texts], dtype=np.int64)[inverse.reshape(-1)]
            else:
                message[dated] = values.code(_exhausted(_TOP, None))
        failed[left] = True
    return out, failed, message


def _set_items(item_kind: int, at: np.ndarray, codes: np.ndarray, out: np.ndarray, message: np.ndarray,
               failed: np.ndarray, unresolved: np.ndarray) -> None:
    """Rows ``at`` reached a value (``STEP_VALUE``) or an error (``STEP_ERROR``) item: its result code."""
    (out if item_kind == STEP_VALUE else message)[at] = codes
    failed[at] = item_kind == STEP_ERROR
    unresolved[at] = False


def _choose(at: np.ndarray, tables: np.ndarray, counts: np.ndarray, ranked: Any, dates: DateTable, rows: np.ndarray,
            values: Any, out: np.ndarray, message: np.ndarray, failed: np.ndarray, unresolved: np.ndarray
            ) -> np.ndarray:
    """Rows ``at`` reached UseAfter table ``tables`` with ``counts`` keys <= their dates: their choices (or their
    dates' failures); returns the rows no entry of the table is <= the date of, which go on to the next step."""
    bad_date = counts < 0
    bad = bad_date.any()
    if bad:
        wrong = at[bad_date]
        message[wrong] = dates.error_codes(values, dates.did[rows[wrong]])
        failed[wrong] = True
        counts = np.where(bad_date, 0, counts)
    chosen = ranked.chosen(tables, counts)
    if bad:
        chosen[bad_date] = -1
    # Result codes of the few distinct chosen results (registered in ascending result order); -1 stays -1.
    used = np.flatnonzero(np.bincount(chosen + 1, minlength=len(ranked.results) + 1)[1:])
    codes = np.full(len(ranked.results) + 1, -1, dtype=np.int32)  # the last: -1 (no choice)
    codes[used] = [values.code(ranked.results[r]) for r in used.tolist()]
    out[at] = codes.take(chosen)  # (take: chosen is int32, which [] indexes slowly)
    unresolved[at] = False
    no_entry = chosen < 0
    if bad:
        no_entry &= ~bad_date
    going_on = at[no_entry]
    unresolved[going_on] = True
    return going_on


def _rows_at(pending: np.ndarray | None, mask: np.ndarray) -> np.ndarray:
    """The rows ``mask`` (over ``pending``, or over every row when None) marks."""
    return np.flatnonzero(mask) if pending is None else pending[mask]


_TOP = Chain([], top_useafter=True)


def _exhausted(chain: Chain, date: str | None) -> str:
    if chain.top_useafter:
        return "NOT FOUND No selection <= " + repr(date)
    return "NOT FOUND No match found."


def _steps_one(chain: Chain, date: str | None, error: str | None) -> tuple[bool, Any]:
    """(succeeded, result or failure text) of one row's chain."""
    for what, item in chain.steps:
        if what == "value":
            return True, item
        if what == "error":
            return False, "NOT FOUND " + item
        if date is None:
            return False, "NOT FOUND " + str(error)
        index = bisect.bisect_right(item.keys, date) - 1
        if index >= 0:
            return True, terminal_result(item.selections[index][1])
    return False, _exhausted(chain, date)


def _walk(chain: Chain, dates: DateTable, d: int) -> Any:
    """One row, crds's order: chain, DNR, fallback chain, reffile_required."""
    date, error = (dates.date(d), dates.errors.get(d)) if dates.count else (None, None)
    ok, result = _steps_one(chain, date, error)
    if ok:
        return result
    if chain.dnr:
        return "NOT FOUND n/a"
    if chain.fallback is not None:
        ok, fallback_result = _steps_one(chain.fallback, date, error)
        if ok:
            return fallback_result
        if chain.fallback.abort:
            return chain.fallback.abort
        result = fallback_result
    return result if chain.required else "NOT FOUND n/a"
