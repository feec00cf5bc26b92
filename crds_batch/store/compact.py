"""Small data files of a new generation rewritten as files of whole row groups (ingest's last step).

An ingest writes a file per partition per parsed block (a block is ``ingest-batch-bytes`` of a save:
~25,000 datasets of the 10M benchmark's busiest instruments), so a store of millions of datasets holds
hundreds of small files; every batch job then opens each file, reads its footer and joins as many
dictionaries per column as the files its partition spans. Rewriting each partition's consecutive small
files as files of ``row-group-size`` rows per row group costs the ingest a read and a write of those files
(1M datasets, 2 workers: 3.1 -> 4.0 s) and saves every later job that reading (10M affected --diffs-only:
-5% CPU; docs/performance.md, issue 15, seventeenth step).

Rows keep their order: within a partition, files keep the order the ingest gave them, and a run of small
files is rewritten in that order (a file holding a row group or more is left as it is). A column some of
the run's files lack is null for their rows, as a reader of the separate files sees it.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import pyarrow.parquet as pq

from .blocks import init_ingest_worker
from .writer import PartitionedWriter, WrittenFile

#: File name prefix of the rewritten files.
PREFIX = "compact"


def compact(files: Sequence[WrittenFile], directory: str, row_group_size: int, workers: int = 1) -> list[WrittenFile]:
    """``files`` (placed in the generation ``directory``) with each partition's runs of consecutive files of
    fewer than ``row_group_size`` rows rewritten there as files of whole row groups; the run's files are
    removed. Partitions come in the order of their first file; up to ``workers`` processes rewrite them."""
    by_partition: dict[tuple[str, str], list[WrittenFile]] = {}
    for written in files:
        by_partition.setdefault((written.observatory, written.instrument), []).append(written)
    partitions = list(by_partition.values())
    busy = sum(1 for partition_files in partitions if _has_run(partition_files, row_group_size))
    if workers <= 1 or busy <= 1:
        done = [compact_partition(partition_files, directory, row_group_size) for partition_files in partitions]
    else:
        with ProcessPoolExecutor(min(workers, busy), initializer=init_ingest_worker, initargs=(os.getpid(),)) as pool:
            done = list(pool.map(compact_partition, partitions, [directory] * len(partitions),
                                 [row_group_size] * len(partitions)))
    return [written for partition_files in done for written in partition_files]


def compact_partition(files: Sequence[WrittenFile], directory: str, row_group_size: int) -> list[WrittenFile]:
    """:func:`compact` of one partition's files, in order."""
    result: list[WrittenFile] = []
    run: list[WrittenFile] = []
    for written in files:
        if written.rows < row_group_size:
            run.append(written)
            continue
        result.extend(_rewritten(run, directory, row_group_size))
        run = []
        result.append(written)
    result.extend(_rewritten(run, directory, row_group_size))
    return result


def _has_run(files: Sequence[WrittenFile], row_group_size: int) -> bool:
    """Whether two consecutive files of ``files`` are small (something to rewrite)."""
    return any(a.rows < row_group_size and b.rows < row_group_size for a, b in zip(files, files[1:]))


def _rewritten(run: list[WrittenFile], directory: str, row_group_size: int) -> list[WrittenFile]:
    """The files of one run of small files of a partition, rewritten as one or a few (a file ends where new
    columns start) when there are several; a single file is left as it is."""
    if len(run) < 2:
        return list(run)
    writer = PartitionedWriter(directory, row_group_size, source=run[0].source, prefix=PREFIX)
    for written in run:
        parquet = pq.ParquetFile(written.path)  # the file's own columns: no hive keys from its directory
        writer.write(written.observatory, written.instrument, parquet.read())
        parquet.close()
    rewritten = writer.close()
    for written in run:
        os.remove(written.path)
    return rewritten
