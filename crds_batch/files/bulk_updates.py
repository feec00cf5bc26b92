"""The updates of datasets decided a column at a time, kept as small integer codes until printed.

A million datasets with twenty types each make twenty million updates, but
few distinct ``(type, old, new)`` triples: per store partition, an update is
a cell of an int32 matrix (a row per dataset, a column per type in crds's
order) holding the code of its triple, ``-1`` where there is none. Counting
them is a sum; ``--print-new-references`` renders each triple's text once and
builds the lines with Arrow (dataset id + triple text), in chunks, in crds's
order: datasets sorted, a dataset's types in upper-case order.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Lines rendered per chunk of ``--print-new-references`` text (bounds the memory of the rendering).
CHUNK_LINES = 1_000_000


@dataclass
class UpdatePart:
    """The updates of one partition's rows decided column-wise.

    ``cells[row, rank]`` is the code of the triple in ``triples`` (``-1``: no update);
    columns follow crds's type order within a dataset.
    """

    ids: np.ndarray  # object: dataset id per row
    instrument: str  # upper case
    cells: np.ndarray  # int32 (rows, types)
    triples: list[tuple[str, str | None, str]]  # (lower-case type, old value or None, new value)

    def count(self) -> int:
        return int(np.count_nonzero(self.cells >= 0))

    def new_names(self) -> set[str]:
        """The new references of the updates, lower-cased as crds names them (``n/a`` included)."""
        used = np.unique(self.cells[self.cells >= 0])
        return {self.triples[code][2].lower() for code in used.tolist()}


class TripleCodes:
    """Codes of the distinct (type, old, new) triples of one partition, given per type as category codes."""

    def __init__(self) -> None:
        self.triples: list[tuple[str, str | None, str]] = []

    def codes(self, kind: str, old_codes: np.ndarray | None, old_values: np.ndarray | None,
              new_codes: np.ndarray, new_values: np.ndarray) -> np.ndarray:
        """The triple code of each update (old/new given as codes into the per-category value arrays)."""
        if old_codes is None:
            pairs = new_codes.astype(np.int64)
        else:
            pairs = old_codes.astype(np.int64) * (len(new_values) + 1) + new_codes
        distinct, inverse = _distinct(pairs, (len(new_values) + 1) * (1 if old_codes is None else len(old_values) + 1))
        base = len(self.triples)
        for pair in distinct.tolist():
            if old_codes is None:
                self.triples.append((kind, None, new_values[pair]))
            else:
                old, new = divmod(pair, len(new_values) + 1)
                self.triples.append((kind, old_values[old], new_values[new]))
        return (base + inverse.reshape(-1)).astype(np.int32)


def _distinct(codes: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(codes, return_inverse=True)`` for codes in ``[0, bound)``: a table, no sort, when it is small."""
    if bound > 4 * len(codes) + 1024:
        return np.unique(codes, return_inverse=True)
    seen = np.zeros(bound, dtype=bool)
    seen[codes] = True
    distinct = np.flatnonzero(seen)
    index = np.zeros(bound, dtype=np.int64)
    index[distinct] = np.arange(len(distinct))
    return distinct, index[codes]


@dataclass
class BulkUpdates:
    """Every partition's column-wise updates, and the count of datasets decided that way."""

    parts: list[UpdatePart]
    dataset_count: int

    def __len__(self) -> int:
        return sum(part.count() for part in self.parts)

    def new_names(self) -> set[str]:
        """The new references of every update, lower-cased (``n/a`` included), as :meth:`UpdatePart.new_names`."""
        names: set[str] = set()
        for part in self.parts:
            names |= part.new_names()
        return names

    def text_chunks(self, extra: Sequence[tuple[str, list[str]]] = ()) -> Iterator[memoryview]:
        """``--print-new-references`` text (each line ending in a newline), UTF-8, in crds's order.

        ``extra``: (dataset, its lines) of datasets decided one by one; they are merged in by dataset
        (before column-wise rows of an equal id, as a stable merge of the two sorted streams).
        """
        ids, suffixes, counts, rows_of, triple_of = [], [], [], [], []
        offset = 0
        for part in self.parts:
            mask = part.cells >= 0
            per_row = mask.sum(axis=1)
            ids.append(part.ids)
            counts.append(per_row)
            triple_of.append(part.cells[mask].astype(np.int64) + offset)  # row-major: by row, then type order
            instrument = part.instrument.lower()
            suffixes += [f" {instrument} {kind} {str(old).lower()} {new.lower()}\n" for kind, old, new in part.triples]
            offset += len(part.triples)
        bulk_rows = sum(len(i) for i in ids)
        for dataset, lines in extra:  # one pseudo-row per dataset: its whole lines as one "triple"
            ids.append(np.array([dataset], dtype=object))
            counts.append(np.array([len(lines)]))
            triple_of.append(np.arange(offset, offset + len(lines)))
            suffixes += [line + "\n" for line in lines]
            offset += len(lines)
        if not ids:
            return
        all_ids = np.concatenate(ids)
        counts_all = np.concatenate(counts).astype(np.int64)
        triples_all = np.concatenate(triple_of).astype(np.int32) if triple_of else np.zeros(0, np.int32)
        if not len(triples_all):
            return
        is_bulk = np.zeros(len(all_ids), dtype=np.int8)
        is_bulk[:bulk_rows] = 1
        order = pc.sort_indices(pa.table({"id": pa.array(all_ids.tolist(), pa.string()), "bulk": is_bulk}),
                                sort_keys=[("id", "ascending"), ("bulk", "ascending")]).to_numpy()
        prefixes = pa.array([i.lower() for i in all_ids[:bulk_rows].tolist()] + [""] * (len(all_ids) - bulk_rows),
                            pa.string())
        index_type = np.int32 if len(triples_all) < 2**31 else np.int64
        starts = (np.cumsum(counts_all) - counts_all).astype(index_type)
        counts_sorted = counts_all[order]
        entries = np.repeat(starts[order] - (np.cumsum(counts_sorted) - counts_sorted).astype(index_type),
                            counts_sorted)
        entries += np.arange(len(entries), dtype=index_type)  # entry positions in output order
        row_of_entry = np.repeat(np.arange(len(all_ids), dtype=index_type), counts_all)
        suffix_array = pa.array(suffixes, pa.string())
        for start in range(0, len(entries), CHUNK_LINES):
            chunk = entries[start:start + CHUNK_LINES]
            lines = pc.binary_join_element_wise(prefixes.take(pa.array(row_of_entry[chunk])),
                                                suffix_array.take(pa.array(triples_all[chunk])), "")
            yield _utf8(lines)


def _utf8(strings: pa.Array) -> memoryview:
    """The concatenated bytes of a string array without nulls (a view of its data buffer, no copy)."""
    offset_type = np.int64 if strings.type == pa.large_string() else np.int32
    offsets = np.frombuffer(strings.buffers()[1], dtype=offset_type)[strings.offset:strings.offset + len(strings) + 1]
    return memoryview(strings.buffers()[2])[int(offsets[0]):int(offsets[-1])]


__all__ = ["BulkUpdates", "CHUNK_LINES", "TripleCodes", "UpdatePart"]
