"""UseAfter tables and candidate chains of one rmap, encoded once and reused by every partition.

The evaluator resolves "greatest key <= date" for all rows at once: a row's date
is reduced to how many of the rmap's distinct UseAfter keys are ``<=`` it, and
(table, that count) gives the chosen entry, read from a lookup array over every
table and count (or, for rmaps too large for one, one ``numpy.searchsorted`` over
the concatenated keys of every table).  Building that (sorting the distinct keys,
ranking them, mapping choices to result codes) per partition and per type cost
more than the search itself, so it lives here, per compiled rmap, and is only
rebuilt when a partition reaches tables not seen before (rare after warm-up:
the chains, and so their tables, are cached per distinct key tuple).

The chains reaching the tables are encoded alongside (:mod:`.chains`).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .chains import ChainIndex


@dataclass(frozen=True)
class RankedTables:
    """Rank arrays over the first ``count`` registered tables (immutable: safe across threads)."""

    count: int
    keys: np.ndarray       # sorted distinct keys (str)
    width: int
    combined: np.ndarray   # table * width + key rank, sorted
    starts: np.ndarray     # first flattened key of each table
    choice: np.ndarray     # flattened key -> index into results
    results: list[Any]     # distinct chosen results
    #: (table, number of distinct keys <= the date) -> index into results, -1 when no key of the table is
    #: <= the date; flattened, ``len(keys) + 1`` counts per table. None when larger than ``_LOOKUP_MAX``.
    lookup: np.ndarray | None = None

    def chosen(self, tables: np.ndarray, key_counts: np.ndarray) -> np.ndarray:
        """Index into ``results`` of the entry each (table, count of keys <= date) chooses, -1 if none.

        ``key_counts`` are counts of the sorted distinct ``keys`` <= each date (>= 0).
        """
        if self.lookup is not None:
            return self.lookup[tables * (len(self.keys) + 1) + key_counts]
        return self._searched(tables, key_counts)

    def _searched(self, tables: np.ndarray, key_counts: np.ndarray) -> np.ndarray:
        """:meth:`chosen` by a search of the concatenated keys: a date's rank ``2c - 1`` lies after the
        ``c`` keys ``<=`` it (ranks ``0, 2, ...``) and before the others."""
        pos = np.searchsorted(self.combined, tables * self.width + (2 * key_counts - 1), side="right") - 1
        found = pos >= self.starts[tables]
        return np.where(found, self.choice[np.where(found, pos, 0)] if len(self.choice) else -1, -1)


#: Largest lookup array kept per rmap (tables x (distinct keys + 1) entries, int32); larger ones are searched.
_LOOKUP_MAX = 1 << 21


def _with_lookup(ranked: RankedTables, limit: int) -> RankedTables:
    """``ranked`` with its lookup array, if it has at most ``limit`` entries.

    Entry (table, c) is what a date with ``c`` distinct keys ``<=`` it chooses in the
    table, found by the same search of the concatenated keys as :meth:`RankedTables._searched`.
    """
    tables, counts = ranked.count, len(ranked.keys) + 1
    if tables * counts > limit:
        return ranked
    table_of = np.repeat(np.arange(tables, dtype=np.int64), counts)
    count_of = np.tile(np.arange(counts, dtype=np.int64), tables)
    lookup = ranked._searched(table_of, count_of).astype(np.int32)
    return replace(ranked, lookup=lookup)


class TableIndex:
    """Every UseAfter table of one rmap registered so far (and, in ``chains``, the chains reaching them).

    Keys are ranked in *string* order (crds compares raw key strings): key ``i`` of
    the sorted distinct keys has rank ``2i``; a date gets ``2r - 1`` where ``r`` keys
    are ``<=`` it, so "key <= date" is "key rank < date rank" and one
    ``searchsorted`` over ``table * width + rank`` serves every table at once; the
    lookup array holds that search's outcome for every (table, r).
    """

    def __init__(self, lookup_max: int = _LOOKUP_MAX) -> None:
        self._lock = threading.Lock()  # Dask workers may evaluate partitions in threads
        self.lookup_max = lookup_max
        self._ids: dict[int, int] = {}
        self._selectors: list[Any] = []  # kept alive so ids stay unique
        self._ranked = RankedTables(0, np.zeros(0, dtype=str), 2, np.zeros(0, dtype=np.int64),
                                    np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64), [])
        # What ranking the first ``_ranked_tables`` tables gave, kept for the next ranking.
        self._ranked_tables = 0
        self._keys: list[str] = []
        self._lengths: list[int] = []
        self._choice: list[int] = []
        self._results: list[Any] = []
        self._result_index: dict[Any, int] = {}
        self.chains = ChainIndex(self.table)  # the chains whose UseAfter steps name these tables

    def table(self, selector: Any) -> int:
        """Id of ``selector``'s table (registered on first sight)."""
        found = self._ids.get(id(selector))
        if found is None:
            with self._lock:
                found = self._ids.get(id(selector))
                if found is None:
                    found = len(self._selectors)
                    self._selectors.append(selector)
                    self._ids[id(selector)] = found
        return found

    def ranked(self, terminal: Callable[[Any], Any]) -> RankedTables:
        """Rank arrays covering every table registered so far (rebuilt only after new registrations).

        ``terminal`` turns a chosen value into its result (``NOT FOUND n/a``, None...). Tables are
        only appended, so their choices' results are worked out once; the ranks are redone.
        """
        ranked = self._ranked
        if ranked.count == len(self._selectors):
            return ranked
        with self._lock:
            selectors = list(self._selectors)
            added = selectors[self._ranked_tables:]
            for selector in added:
                self._keys.extend(selector.keys)
                self._lengths.append(len(selector.keys))
                for value in selector.choices():
                    result = terminal(value)
                    key = result if isinstance(result, str) or result is None else (
                        type(result).__name__, repr(result))
                    j = self._result_index.get(key)
                    if j is None:
                        j = self._result_index[key] = len(self._results)
                        self._results.append(result)
                    self._choice.append(j)
            self._ranked_tables = len(selectors)
            keys = np.array(self._keys, dtype=str)
            distinct = np.unique(keys)  # sorted as texts: numpy compares code points, as Python does
            width = 2 * len(distinct) + 2
            lengths = np.array(self._lengths, dtype=np.int64)
            table_of_key = np.repeat(np.arange(len(selectors), dtype=np.int64), lengths)
            combined = table_of_key * width + 2 * np.searchsorted(distinct, keys)
            starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
            ranked = RankedTables(len(selectors), distinct, width, combined, starts,
                                  np.array(self._choice, dtype=np.int64), list(self._results))
            ranked = self._ranked = _with_lookup(ranked, self.lookup_max)
            return ranked
