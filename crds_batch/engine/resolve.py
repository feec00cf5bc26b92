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
    for k in range(maxlen):
        step_kind = kind[:, k][chain_ids]
        step_arg = arg[:, k][chain_ids]
        active = unresolved & (step_kind != STEP_NONE)
        if not active.any():
            break
        hit = active & (step_kind == STEP_VALUE)
        out[hit] = step_arg[hit]
        error = active & (step_kind == STEP_ERROR)
        message[error] = step_arg[error]
        failed |= error
        unresolved &= ~(hit | error)
        dated = active & (step_kind == STEP_USEAFTER)
        bad_date = dated & (key_counts < 0)
        if bad_date.any():
            message[bad_date] = dates.error_codes(values, dates.did[rows[bad_date]])
        failed |= bad_date
        unresolved &= ~bad_date
        good = np.flatnonzero(dated & (key_counts >= 0))
        if len(good):
            chosen = ranked.chosen(step_arg[good], key_counts[good])
            found = chosen >= 0
            good, chosen = good[found], chosen[found]
            # Result codes of the few distinct chosen results (registered in ascending result order).
            used = np.flatnonzero(np.bincount(chosen, minlength=len(ranked.results)))
            codes = np.zeros(len(ranked.results), dtype=np.int32)
            codes[used] = [values.code(ranked.results[r]) for r in used.tolist()]
            out[good] = codes.take(chosen)  # (take: chosen is int32, which [] indexes slowly)
            unresolved[good] = False
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
