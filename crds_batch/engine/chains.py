"""Candidate chains of one rmap, encoded once as arrays and reused by every partition.

A partition's rows reach a few hundred to thousands of chains (plans), most of them
already met in earlier partitions or by the other context (plans are cached per
program). Their steps, flags and fallbacks are numbered here per chain object (a
plan's chain is not changed once planned), so resolving dates reads them by number
from arrays instead of walking every chain in Python per partition and type.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import numpy as np

#: Step kinds of an encoded step list (``ChainSteps.kind``).
STEP_NONE, STEP_VALUE, STEP_USEAFTER, STEP_ERROR = 0, 1, 2, 3

_FIELDS = attrgetter("steps", "dnr", "required", "top_useafter", "fallback", "abort")


@dataclass(frozen=True)
class ChainSteps:
    """The first ``count`` registered chains (views of append-only arrays: safe across threads).

    Chains sharing one step list share its row of ``kind``/``arg``. ``arg`` is, per step,
    the selector slot of a UseAfter step (:meth:`ChainIndex.tables_of` gives its table) or
    the ``items`` index of a value step (its result) or an error step (its ``NOT FOUND`` text).
    """

    count: int
    steps: np.ndarray         # per chain: its step list's row
    kind: np.ndarray          # (step lists, steps) int8, STEP_*
    arg: np.ndarray           # (step lists, steps) int64
    length: np.ndarray        # steps per step list
    dnr: np.ndarray           # bool per chain
    required: np.ndarray      # bool per chain
    top_useafter: np.ndarray  # bool per chain
    fallback: np.ndarray      # per chain: number of the fallback chain tried after a failure, -1 if none (or DNR)
    abort: dict[int, str]     # chains with an abort text
    items: list[Any]

    def encoded(self, numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(kind, arg) of the chains ``numbers``, one row each, as wide as their longest (``arg`` a copy)."""
        rows = self.steps[numbers]
        width = int(self.length[rows].max()) if len(rows) else 0
        return self.kind[rows, :width], self.arg[rows, :width]


class ChainIndex:
    """Every chain of one rmap registered so far, and the UseAfter tables their steps name."""

    def __init__(self, table: Any) -> None:
        self._table = table  # selector -> table id (TableIndex.table)
        self._lock = threading.RLock()  # Dask workers may evaluate partitions in threads
        self._ids: dict[int, int] = {}
        self._chains: list[Any] = []  # kept alive so ids stay unique
        self._step_rows: dict[int, int] = {}
        self._step_lists: list[Any] = []  # kept alive so ids stay unique
        self._items: list[Any] = []
        self._abort: dict[int, str] = {}
        # UseAfter selectors of the registered chains; each gets its table id when a partition first
        # reaches it, so tables (and so results) are numbered in the order the chains' steps are met.
        self._slots: dict[int, int] = {}
        self._slot_selectors: list[Any] = []
        self._slot_tables = np.full(0, -1, dtype=np.int64)
        self._per_chain = {name: np.zeros(64, dtype=dtype) for name, dtype in _PER_CHAIN}
        self._kind = np.zeros((64, 1), dtype=np.int8)
        self._arg = np.zeros((64, 1), dtype=np.int64)
        self._length = np.zeros(64, dtype=np.int64)
        self._view = self._make_view()

    def numbers(self, chains: list[Any]) -> tuple[np.ndarray, ChainSteps]:
        """Number of each chain (registered, with its fallback, on first sight) and the encoded chains."""
        ids = self._ids
        numbers = [ids.get(id(chain), -1) for chain in chains]
        if -1 in numbers:
            with self._lock:
                pending: dict[int, int] = {}
                self._register(chains, pending)
                self._view = self._make_view()
                self._ids.update(pending)  # after the view that holds them is published
            numbers = [ids[id(chain)] for chain in chains]
        return np.array(numbers, dtype=np.int64), self._view

    def _register(self, chains: list[Any], pending: dict[int, int]) -> None:
        """Number and encode those of ``chains`` (and of the chains they fall back to) not registered yet."""
        known = self._ids
        new = list({id(chain): chain for chain in chains if id(chain) not in known and id(chain) not in pending}
                   .values())
        if not new:
            return
        first = len(self._chains)
        end = first + len(new)
        for number, chain in enumerate(new, first):
            pending[id(chain)] = number
        self._chains.extend(new)
        steps, dnr, required, top, fallbacks, aborts = zip(*map(_FIELDS, new))
        tried = [None if chain is None or no else chain for chain, no in zip(fallbacks, dnr)]
        self._register([chain for chain in tried if chain is not None], pending)
        fallback = [-1 if chain is None else known.get(id(chain), pending.get(id(chain))) for chain in tried]
        rows = self._step_rows_of(steps)
        per_chain = self._per_chain
        for name, values in (("steps", rows), ("dnr", dnr), ("required", required), ("top_useafter", top),
                             ("fallback", fallback)):
            per_chain[name] = _grown(per_chain[name], end)
            per_chain[name][first:end] = values
        self._abort.update((number, text) for number, text in enumerate(aborts, first) if text)

    def _step_rows_of(self, step_lists: tuple[list, ...]) -> list[int]:
        """Row of each step list in ``kind``/``arg`` (encoded on first sight)."""
        known = self._step_rows
        rows = []
        written: tuple[list[int], list[int], list[int], list[int]] = ([], [], [], [])  # row, step, kind, arg
        lengths: list[int] = []
        for step_list in step_lists:
            row = known.get(id(step_list))
            if row is None:
                row = known[id(step_list)] = len(self._step_lists)
                self._step_lists.append(step_list)
                lengths.append(len(step_list))
                for k, (what, item) in enumerate(step_list):
                    if what == "useafter":
                        slot = self._slots.get(id(item))
                        if slot is None:
                            slot = self._slots[id(item)] = len(self._slot_selectors)
                            self._slot_selectors.append(item)
                        kind, arg = STEP_USEAFTER, slot
                    else:
                        kind, arg = (STEP_VALUE if what == "value" else STEP_ERROR), len(self._items)
                        self._items.append(item if what == "value" else "NOT FOUND " + item)
                    for column, value in zip(written, (row, k, kind, arg)):
                        column.append(value)
            rows.append(row)
        if lengths:
            end = len(self._step_lists)
            width = max(self._kind.shape[1], max(lengths))
            self._kind, self._arg = _grown(self._kind, end, width), _grown(self._arg, end, width)
            self._length = _grown(self._length, end)
            self._length[end - len(lengths):end] = lengths
            self._kind[written[0], written[1]] = written[2]
            self._arg[written[0], written[1]] = written[3]
        return rows

    def _make_view(self) -> ChainSteps:
        count, lists = len(self._chains), len(self._step_lists)
        per_chain = {name: array[:count] for name, array in self._per_chain.items()}
        return ChainSteps(count, kind=self._kind[:lists], arg=self._arg[:lists], length=self._length[:lists],
                          abort=self._abort, items=self._items, **per_chain)

    def tables_of(self, slots: np.ndarray) -> np.ndarray:
        """Table id of each UseAfter selector slot; slots without one get one in the order given."""
        slot_tables = self._slot_tables
        tables = slot_tables[slots] if len(slot_tables) >= len(self._slot_selectors) else None
        if tables is None or (tables < 0).any():
            with self._lock:
                known = _grown(self._slot_tables, len(self._slot_selectors), fill=-1)
                for slot in slots[known[slots] < 0].tolist():
                    if known[slot] < 0:
                        known[slot] = self._table(self._slot_selectors[slot])
                self._slot_tables = known
                tables = known[slots]
        return tables


_PER_CHAIN = (("steps", np.int64), ("dnr", bool), ("required", bool), ("top_useafter", bool), ("fallback", np.int64))


def _grown(array: np.ndarray, size: int, width: int | None = None, fill: int = 0) -> np.ndarray:
    """``array`` if it has ``size`` rows (and ``width`` columns), else a larger copy (rows doubled)."""
    rows = len(array)
    columns = array.shape[1] if array.ndim == 2 else None
    if size <= rows and (width is None or width <= columns):
        return array
    shape: tuple[int, ...] = (max(size, 2 * rows),) if width is None else (max(size, 2 * rows), max(width, columns))
    grown = np.full(shape, fill, dtype=array.dtype)
    if width is None:
        grown[:rows] = array
    else:
        grown[:rows, :columns] = array
    return grown
