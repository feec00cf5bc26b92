"""Datasets that occur more than once across an ingest's inputs, merged as crds merges them.

Inputs are data files, each tagged with its source index (-1 for the
previous store). For one dataset id: within a source the last row wins whole;
across sources the later value wins parameter by parameter. Duplicates are
merged in chunks of ids so memory stays bounded by the chunk, not the store.
"""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import schema as S
from .rows import add_derived
from .writer import PartitionedWriter, WrittenFile

#: Dataset ids merged per pass over the inputs.
MERGE_CHUNK_IDS = 200_000


def find_duplicates(paths: list[str]) -> pa.Array | None:
    """Sorted ids occurring more than once across the files (reads only the id column)."""
    if not paths:
        return None
    ids = pa.chunked_array(
        [chunk for path in paths for chunk in pq.ParquetFile(path).read(columns=[S.DATASET_ID]).column(0).chunks],
        type=pa.string(),
    )
    if len(ids) == 0:
        return None
    counts = pc.value_counts(ids)
    dups = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    return pc.take(dups, pc.sort_indices(dups)) if len(dups) else None


def merge_duplicates(files: list[WrittenFile], duplicates: pa.Array, gen_dir: str,
                     row_group_size: int) -> tuple[list[WrittenFile], list[str]]:
    """Merge every row of ``duplicates`` ids from ``files``; write results under ``gen_dir``.

    Returns the files written and per-dataset errors (datasets with no known instrument).
    """
    writer = PartitionedWriter(gen_dir, row_group_size, source=-1, prefix="merged")
    errors: list[str] = []
    for start in range(0, len(duplicates), MERGE_CHUNK_IDS):
        chunk = duplicates.slice(start, MERGE_CHUNK_IDS)
        pieces = []
        for order, f in enumerate(files):
            table = pq.ParquetFile(f.path).read()
            mask = pc.is_in(table.column(S.DATASET_ID), value_set=chunk)
            rows = pc.indices_nonzero(mask)
            if len(rows) == 0:
                continue
            picked = table.take(rows)
            params = [c for c in picked.column_names if S.is_parameter(c)]
            picked = picked.select([S.DATASET_ID, *params])
            picked = picked.append_column("_src", pa.array([f.source] * len(rows), pa.int64()))
            # Files are in write order: a source's later file holds its later lines.
            seq = pc.add(rows.cast(pa.int64()), pa.scalar(order << 32, pa.int64()))
            picked = picked.append_column("_seq", seq)
            pieces.append(picked)
        merged = _merge(pa.concat_tables(pieces, promote_options="default"))
        table, observatories, instruments = add_derived(merged)
        known = pc.and_(pc.is_valid(observatories), pc.is_valid(instruments))
        for i in pc.indices_nonzero(pc.invert(known)).to_pylist():
            errors.append(f"dataset {table.column(S.DATASET_ID)[i].as_py()}: no known instrument "
                          "(INSTRUME / META.INSTRUMENT.NAME)")
        keys = pc.binary_join_element_wise(pc.fill_null(observatories, ""), pc.fill_null(instruments, ""), "/")
        encoded = pc.dictionary_encode(keys)
        for code, key in enumerate(encoded.dictionary.to_pylist()):
            observatory, instrument = key.split("/")
            if not observatory:
                continue
            part = table.filter(pc.equal(encoded.indices, code))
            # Drop parameters no merged dataset of this partition has: keeps the per-instrument union honest.
            keep = [c for c in part.column_names if not S.is_parameter(c) or part.column(c).null_count < len(part)]
            writer.write(observatory, instrument, part.select(keep))
    return writer.close(), errors


def _merge(table: pa.Table) -> pa.Table:
    frame = table.to_pandas()
    frame = frame.sort_values(["_src", "_seq"], kind="stable")
    # Within one source the last row replaces the dataset whole...
    frame = frame.drop_duplicates([S.DATASET_ID, "_src"], keep="last")
    # ...across sources later non-null values win one parameter at a time.
    merged = frame.drop(columns=["_src", "_seq"]).groupby(S.DATASET_ID, sort=True).last().reset_index()
    columns = {c: pa.array(merged[c].astype(object).where(merged[c].notna(), None).tolist(), pa.string())
               for c in merged.columns}
    return pa.table(columns)
