"""UseAfter tables of one rmap, ranked once and reused by every partition.

The evaluator resolves "greatest key <= date" for all rows with one
``numpy.searchsorted`` over the concatenated keys of every UseAfter table the
rows' chains reach.  Building that concatenation (sorting the distinct keys,
ranking them, mapping choices to result codes) per partition and per type cost
more than the search itself, so it lives here, per compiled rmap, and is only
rebuilt when a partition reaches tables not seen before (rare after warm-up:
the chains, and so their tables, are cached per distinct key tuple).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


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


class TableIndex:
    """Every UseAfter table of one rmap registered so far.

    Keys are ranked in *string* order (crds compares raw key strings): key ``i`` of
    the sorted distinct keys has rank ``2i``; a date gets ``2r - 1`` where ``r`` keys
    are ``<=`` it, so "key <= date" is "key rank < date rank" and one
    ``searchsorted`` over ``table * width + rank`` serves every table at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # Dask workers may evaluate partitions in threads
        self._ids: dict[int, int] = {}
        self._selectors: list[Any] = []  # kept alive so ids stay unique
        self._ranked = RankedTables(0, np.zeros(0, dtype=str), 2, np.zeros(0, dtype=np.int64),
                                    np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64), [])

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

        ``terminal`` turns a chosen value into its result (``NOT FOUND n/a``, None...).
        """
        ranked = self._ranked
        if ranked.count == len(self._selectors):
            return ranked
        with self._lock:
            selectors = list(self._selectors)
            table_keys = [selector.keys for selector in selectors]
            distinct = sorted({key for keys in table_keys for key in keys})
            rank = {key: 2 * i for i, key in enumerate(distinct)}
            width = 2 * len(distinct) + 2
            combined = np.array([t * width + rank[key] for t, keys in enumerate(table_keys) for key in keys],
                                dtype=np.int64)
            starts = np.cumsum([0] + [len(keys) for keys in table_keys]).astype(np.int64)
            result_index: dict[Any, int] = {}
            results: list[Any] = []
            choice: list[int] = []
            for selector in selectors:
                for value in selector.choices():
                    result = terminal(value)
                    key = result if isinstance(result, str) or result is None else (
                        type(result).__name__, repr(result))
                    j = result_index.get(key)
                    if j is None:
                        j = result_index[key] = len(results)
                        results.append(result)
                    choice.append(j)
            ranked = self._ranked = RankedTables(len(selectors), np.array(distinct, dtype=str), width, combined,
                                                 starts, np.array(choice, dtype=np.int64), results)
            return ranked
