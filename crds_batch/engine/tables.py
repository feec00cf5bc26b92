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

The chains' steps, flags and fallbacks are encoded here too, as rows of arrays
numbered per chain object (a plan's chain is not changed once planned), so a
partition reads them by number instead of walking every chain in Python.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
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


#: Step kinds of an encoded chain (``ChainSteps.kind``).
STEP_NONE, STEP_VALUE, STEP_USEAFTER, STEP_ERROR = 0, 1, 2, 3


@dataclass(frozen=True)
class ChainSteps:
    """The first ``count`` registered chains, one row each (views of append-only arrays: safe across threads).

    ``arg`` is, per step, the selector slot of a UseAfter step (:meth:`TableIndex.tables_of` gives
    its table) or the ``items`` index of a value step (its result) or an error step (its
    ``NOT FOUND`` text).
    """

    count: int
    kind: np.ndarray          # (chains, steps) int8, STEP_*
    arg: np.ndarray           # (chains, steps) int64
    length: np.ndarray        # steps per chain
    dnr: np.ndarray           # bool per chain
    required: np.ndarray      # bool per chain
    top_useafter: np.ndarray  # bool per chain
    fallback: np.ndarray      # number of the fallback chain tried after a failure, -1 if none (or DNR)
    abort: list[str | None]   # per chain
    items: list[Any]


class TableIndex:
    """Every UseAfter table, and every candidate chain, of one rmap registered so far.

    Keys are ranked in *string* order (crds compares raw key strings): key ``i`` of
    the sorted distinct keys has rank ``2i``; a date gets ``2r - 1`` where ``r`` keys
    are ``<=`` it, so "key <= date" is "key rank < date rank" and one
    ``searchsorted`` over ``table * width + rank`` serves every table at once; the
    lookup array holds that search's outcome for every (table, r).
    """

    def __init__(self, lookup_max: int = _LOOKUP_MAX) -> None:
        self._lock = threading.RLock()  # Dask workers may evaluate partitions in threads
        self.lookup_max = lookup_max
        self._ids: dict[int, int] = {}
        self._selectors: list[Any] = []  # kept alive so ids stay unique
        self._ranked = RankedTables(0, np.zeros(0, dtype=str), 2, np.zeros(0, dtype=np.int64),
                                    np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64), [])
        self._chain_ids: dict[int, int] = {}
        self._chains: list[Any] = []  # kept alive so ids stay unique
        # UseAfter selectors of the registered chains; each gets its table id when a partition first
        # reaches it, so tables (and so results) are numbered in the order the chains' steps are met.
        self._slots: dict[int, int] = {}
        self._slot_selectors: list[Any] = []
        self._slot_tables = np.full(0, -1, dtype=np.int64)
        self._buffers = _ChainBuffers()
        self._steps = self._buffers.view(0)

    def chain_numbers(self, chains: list[Any]) -> tuple[np.ndarray, ChainSteps]:
        """Number of each chain (registered, with its fallback, on first sight) and the encoded chains."""
        ids = self._chain_ids
        numbers = [ids.get(id(chain), -1) for chain in chains]
        if -1 in numbers:
            with self._lock:
                pending: dict[int, int] = {}
                numbers = [self._register(chain, pending) for chain in chains]
                self._steps = self._buffers.view(len(self._chains))
                self._chain_ids.update(pending)  # after the view that holds them is published
        return np.array(numbers, dtype=np.int64), self._steps

    def _register(self, chain: Any, pending: dict[int, int]) -> int:
        found = self._chain_ids.get(id(chain), pending.get(id(chain)))
        if found is not None:
            return found
        number = pending[id(chain)] = len(self._chains)
        self._chains.append(chain)
        steps = []
        for what, item in chain.steps:
            if what == "useafter":
                slot = self._slots.get(id(item))
                if slot is None:
                    slot = self._slots[id(item)] = len(self._slot_selectors)
                    self._slot_selectors.append(item)
                steps.append((STEP_USEAFTER, slot))
            else:
                steps.append((STEP_VALUE, len(self._buffers.items)) if what == "value" else
                             (STEP_ERROR, len(self._buffers.items)))
                self._buffers.items.append(item if what == "value" else "NOT FOUND " + item)
        fallback = (self._register(chain.fallback, pending)
                    if chain.fallback is not None and not chain.dnr else -1)
        self._buffers.put(number, steps, chain, fallback)
        return number

    def tables_of(self, slots: np.ndarray) -> np.ndarray:
        """Table id of each UseAfter selector slot; slots without one get one in the order given."""
        slot_tables = self._slot_tables
        tables = slot_tables[slots] if len(slot_tables) >= len(self._slot_selectors) else None
        if tables is None or (tables < 0).any():
            with self._lock:
                known = self._slot_tables
                if len(known) < len(self._slot_selectors):
                    known = np.concatenate([known, np.full(len(self._slot_selectors) - len(known), -1, np.int64)])
                for slot in slots[known[slots] < 0].tolist():
                    if known[slot] < 0:
                        known[slot] = self.table(self._slot_selectors[slot])
                self._slot_tables = known
                tables = known[slots]
        return tables

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
            ranked = RankedTables(len(selectors), np.array(distinct, dtype=str), width, combined,
                                  starts, np.array(choice, dtype=np.int64), results)
            ranked = self._ranked = _with_lookup(ranked, self.lookup_max)
            return ranked


class _ChainBuffers:
    """Append-only arrays behind :class:`ChainSteps` (grown by doubling; rows once written never change)."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.abort: list[str | None] = []
        self._allocate(64, 1)

    def _allocate(self, capacity: int, width: int) -> None:
        old = getattr(self, "kind", None)
        kind = np.zeros((capacity, width), dtype=np.int8)
        arg = np.zeros((capacity, width), dtype=np.int64)
        flags = {name: np.zeros(capacity, dtype=dtype) for name, dtype in
                 (("length", np.int64), ("dnr", bool), ("required", bool), ("top_useafter", bool),
                  ("fallback", np.int64))}
        if old is not None:
            rows, columns = old.shape
            kind[:rows, :columns] = old
            arg[:rows, :columns] = self.arg
            for name, array in flags.items():
                array[:rows] = getattr(self, name)
        self.kind, self.arg = kind, arg
        for name, array in flags.items():
            setattr(self, name, array)

    def put(self, number: int, steps: list[tuple[int, int]], chain: Any, fallback: int) -> None:
        capacity, width = self.kind.shape
        if number >= capacity or len(steps) > width:
            self._allocate(max(capacity, 2 * (number + 1)), max(width, len(steps)))
        for k, (kind, arg) in enumerate(steps):
            self.kind[number, k], self.arg[number, k] = kind, arg
        self.length[number] = len(steps)
        self.dnr[number], self.required[number] = bool(chain.dnr), bool(chain.required)
        self.top_useafter[number], self.fallback[number] = bool(chain.top_useafter), fallback
        self.abort.extend([None] * (number + 1 - len(self.abort)))  # a fallback may be written before its chain
        self.abort[number] = chain.abort

    def view(self, count: int) -> ChainSteps:
        return ChainSteps(count, self.kind[:count], self.arg[:count], self.length[:count], self.dnr[:count],
                          self.required[:count], self.top_useafter[:count], self.fallback[:count],
                          self.abort, self.items)
