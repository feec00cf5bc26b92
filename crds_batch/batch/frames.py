"""Concatenating the small result frames of partitions."""
from __future__ import annotations

import numpy as np
import pandas as pd


def concat_frames(frames: list[pd.DataFrame], columns: list[str], known: CategoryIds | None = None) -> pd.DataFrame:
    """Concatenate the non-empty ``frames``; an empty frame with ``columns`` when there are none.

    ``known``: the frames' categories numbered as they arrived (:class:`CategoryIds`), which leaves less to do now.
    """
    frames = [frame for frame in frames if frame is not None and len(frame)]
    if not frames:
        return pd.DataFrame(columns=columns)
    names = list(frames[0].columns)
    # Categorical columns stay categorical (pandas would fall back to object strings when the
    # partitions' categories differ), with the union of the categories in union_categoricals's order.
    # (No job makes ordered Categoricals: they are concatenated by pandas, as other columns.)
    categorical = [name for name in names
                   if all(isinstance(frame[name].dtype, pd.CategoricalDtype) and not frame[name].cat.ordered
                          for frame in frames)]
    if len(frames) == 1 or not categorical or any(list(frame.columns) != names for frame in frames):
        return pd.concat(frames, ignore_index=True)
    rows = pd.RangeIndex(sum(len(frame) for frame in frames))
    plain = [name for name in names if name not in categorical]
    joined = pd.concat([frame[plain] for frame in frames], ignore_index=True) if plain else None
    return pd.DataFrame({name: joined[name] if name in plain else
                         pd.Series(joined_categorical([frame[name] for frame in frames], known and known.of(name)),
                                   index=rows)
                         for name in names}, index=rows)


def joined_categorical(columns: list[pd.Series], known: _ColumnIds | None = None) -> pd.Categorical:
    """The values of ``columns`` (unordered Categoricals) one after another, as one Categorical whose categories are the
    union of theirs in first-seen order (union_categoricals's).

    Built from the codes: pandas's own concatenation of Categoricals hashes every column's categories
    again to compare them (at 10M datasets, 36 partitions' error messages: ~0.6 s of the client's serial
    time), while recoding needs one lookup per category of each column.
    """
    if known is not None and all(known.has(column) and column.cat.categories.dtype == columns[0].cat.categories.dtype
                                 for column in columns):
        return known.joined(columns)
    union = columns[0].cat.categories.append([column.cat.categories for column in columns[1:]]).unique()
    codes = []
    for column in columns:
        # Each category's code in the union; a missing value's code (-1) takes the appended -1.
        lookup = np.append(union.get_indexer(column.cat.categories), -1)
        codes.append(lookup[column.cat.codes.to_numpy()])
    return pd.Categorical.from_codes(np.concatenate(codes), dtype=pd.CategoricalDtype(union, ordered=False))


class _ColumnIds:
    """The categories of one column of arriving frames, numbered in order of arrival."""

    def __init__(self) -> None:
        self.ids: dict = {}
        #: id(categories Index) -> (the Index, its categories' ids)
        self.seen: dict[int, tuple[pd.Index, np.ndarray]] = {}

    def add(self, categories: pd.Index) -> None:
        ids = self.ids
        found = np.fromiter((ids.setdefault(value, len(ids)) for value in categories.tolist()), dtype=np.intp,
                            count=len(categories))
        self.seen[id(categories)] = (categories, found)

    def has(self, column: pd.Series) -> bool:
        entry = self.seen.get(id(column.cat.categories))
        return entry is not None and entry[0] is column.cat.categories

    def joined(self, columns: list[pd.Series]) -> pd.Categorical:
        """:func:`joined_categorical` of ``columns`` (every one's categories numbered): the union's first-seen
        order found on the numbers, each column's codes recoded by one gather."""
        numbered = [self.seen[id(column.cat.categories)][1] for column in columns]
        order = pd.unique(np.concatenate(numbered))  # first seen, in the columns' order
        place = np.empty(len(self.ids), dtype=np.intp)
        place[order] = np.arange(len(order))
        values = np.array(list(self.ids), dtype=object)[order]
        union = pd.Index(values, dtype=columns[0].cat.categories.dtype)
        codes = [np.append(place[ids], -1)[column.cat.codes.to_numpy()] for ids, column in zip(numbered, columns)]
        return pd.Categorical.from_codes(np.concatenate(codes), dtype=pd.CategoricalDtype(union, ordered=False))


class CategoryIds:
    """Numbers the categories of frames' Categorical columns as each frame arrives (on the client, while a
    job's other tasks run), so that :func:`concat_frames` of them at the end hashes no category again."""

    def __init__(self) -> None:
        self._columns: dict[str, _ColumnIds] = {}

    def add(self, frame: pd.DataFrame | None) -> None:
        if frame is None or not len(frame):
            return
        for name in frame.columns:
            column = frame[name]
            if isinstance(column.dtype, pd.CategoricalDtype) and not column.cat.ordered:
                self._columns.setdefault(name, _ColumnIds()).add(column.cat.categories)

    def of(self, name: str) -> _ColumnIds | None:
        return self._columns.get(name)
