"""The minimized key columns of an instrument's rows, and what is derived from those rows once.

An rmap reads the header crds "minimizes": each key it reads, absent values ``UNDEFINED``. The instrument's
rows' columns are made so once for every type and every context evaluated over them (:func:`shared_derivations`),
each when a program first reads it.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from .columns import Column, EncodedTable
from .dates import DateTable, canonical_date_keys


class MinimizedColumns(Mapping[str, Column]):
    """The instrument's minimized key columns (:func:`_minimized_column`), each made when a program first reads
    it: the instrument's rmaps together read every key, the types of a diffs-only job often fewer."""

    def __init__(self, columns: Mapping[str, Column], keys: list[str], rows: np.ndarray, shared: dict[Any, Any]):
        self._columns, self._keys, self._rows, self._shared = columns, dict.fromkeys(keys), rows, shared

    def __getitem__(self, key: str) -> Column:
        if key not in self._keys:
            raise KeyError(key)
        return _minimized_column(self._columns, key, self._rows, self._shared)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def date_table(self, names: tuple[str, ...]) -> DateTable:
        """The :class:`DateTable` of the instrument's rows' date and time columns ``names``.

        A store's normalized dates (:attr:`EncodedTable.stored_dates`) are used as they are, else its dates and
        times (Arrow strings) are read as numbers straight from their buffers; only the other rows (few) are
        encoded as columns. Other tables: the minimized columns.
        """
        encoded = len(names) == 2 and isinstance(self._columns, EncodedTable)
        stored = self._columns.stored_dates if encoded else None
        if stored is not None and stored[0] == tuple(name.upper() for name in names):
            keys = stored[1]  # normalized at ingest: only the rows at -1 are parsed here
        else:
            strings = [self._columns.arrow_strings(name) for name in names] if encoded else [None]
            if any(found is None for found in strings):
                return DateTable([self[name] for name in names], names, len(self._rows))
            keys = canonical_date_keys(*strings)
        if len(keys) != len(self._rows):  # else every row, in order
            keys = keys[self._rows]
        odd = np.flatnonzero(keys < 0)
        odd_columns = [self._odd_rows(name, odd) for name in names]
        return DateTable.of_keys(keys, odd_columns, names)

    def value_at(self, key: str, row: int) -> str:
        """Minimized column ``key``'s value at the instrument's row ``row``, without making the column when
        the table can give one value (a hook's dates for one group's plan)."""
        found = self._shared.get(("minimized", key))
        if found is None and isinstance(self._columns, EncodedTable) and key in self._keys:
            value = self._columns.value_at(key.upper(), int(self._rows[row]))
            return "UNDEFINED" if value is None else value
        column = self[key]
        return column.values[column.codes[row]]

    def _odd_rows(self, name: str, odd: np.ndarray) -> Column:
        """Minimized column ``name`` over the instrument's rows ``odd``."""
        found = self._shared.get(("minimized", name))
        if found is not None:
            return found.take(odd)
        return self._columns.rows_of(name, self._rows[odd]).with_default("UNDEFINED")


def _minimized_column(columns: Mapping[str, Column], key: str, rows: np.ndarray, shared: dict[Any, Any]) -> Column:
    """Column ``key`` over ``rows`` (the instrument's rows, ascending), absent values ``UNDEFINED`` (crds's
    minimized header), made once for every context evaluated over the rows (see :func:`shared_derivations`)."""
    cache_key = ("minimized", key)
    found = shared.get(cache_key)
    if found is None:
        column = columns.get(key.upper())
        if column is None:
            column = Column(np.full(len(rows), -1, np.int32), [])
        elif len(rows) != len(column.codes):  # else every row, in order: no copy
            column = column.take(rows)
        found = shared[cache_key] = column.with_default("UNDEFINED")
    return found


def shared_derivations(columns: Mapping[str, Column], instrument: str, rows: np.ndarray) -> dict[Any, Any]:
    """What is derived from an instrument's rows once for every type and every context evaluated over them.

    Minimized key columns, normalized dates (:class:`DateTable`), class-reduced key columns and hooks' date
    features depend only on the rows' values, so the contexts evaluated over one :class:`EncodedTable` (old
    and new in ``affected``) share them; other column mappings get a fresh cache per call.
    """
    if not isinstance(columns, EncodedTable):
        return {}
    found = columns.derived.get(instrument)
    if found is None or not np.array_equal(found[0], rows):
        found = columns.derived[instrument] = (rows, {})
    return found[1]
