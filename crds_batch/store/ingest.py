"""Ingest parameter sources into a store: stream, stage, merge duplicates, switch.

Semantics follow crds's ``--load-pickles``: within one source a later line for
the same dataset replaces it whole; across sources (the existing store being
the first) later values win parameter by parameter.
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from filelock import FileLock

from .. import settings
from ..files.headers import HeaderError, is_dataset_file, read_parameters
from . import layout, readers
from . import schema as S
from .blocks import BlockResult, Staging, id_hashes, iter_blocks, partition, whole_file_batch
from .compact import compact
from .merge import find_duplicates, merge_duplicates
from .rows import headers_to_table
from .saves import SaveBatch, SaveFormatError, iter_save, save_kind
from .writer import PartitionedWriter, WrittenFile

#: Most error lines kept in a report (the counts are always complete).
MAX_REPORTED = 1000

ProgressCallback = Callable[[str, int], None]


@dataclass
class IngestReport:
    """What an ingest did: counts, skipped lines (``file:line: reason``), per-dataset errors."""

    store: str
    sources: list[dict] = field(default_factory=list)
    datasets_read: int = 0
    datasets: int = 0  #: datasets in the store afterwards
    skipped_lines: list[str] = field(default_factory=list)
    skipped_line_count: int = 0
    dataset_errors: list[str] = field(default_factory=list)
    dataset_error_count: int = 0
    #: datasets kept but lacking the observation date (they fail UseAfter lookups, as in crds)
    missing_dates: list[str] = field(default_factory=list)
    missing_date_count: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """False when some input was skipped or some dataset is in error."""
        return not (self.skipped_line_count or self.dataset_error_count or self.missing_date_count)

    def _add(self, kind: str, lines: Sequence[str]) -> None:
        """Count ``lines`` under ``kind`` and keep the first :data:`MAX_REPORTED` of them."""
        counter = {"skipped_lines": "skipped_line_count", "dataset_errors": "dataset_error_count"}[kind]
        setattr(self, counter, getattr(self, counter) + len(lines))
        bucket = getattr(self, kind)
        bucket.extend(lines[: max(0, MAX_REPORTED - len(bucket))])


def ingest(
    sources: Sequence[str],
    store_dir: str,
    *,
    trust_pickles: bool = False,
    replace: bool = False,
    batch_bytes: int | None = None,
    row_group_size: int | None = None,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
) -> IngestReport:
    """Ingest ``sources`` (saves and dataset files, in order) into the store at ``store_dir``.

    Parameters
    ----------
    sources : sequence of str
        ``.json``/``.pkl`` saves and FITS/ASDF dataset files; later ones win
        parameter by parameter.
    store_dir : str
        Store directory, created if absent; an existing store is updated by dataset id.
    trust_pickles : bool
        Allow ``.pkl`` saves (unpickling runs code).
    replace : bool
        Start from an empty store instead of updating the existing one.
    batch_bytes, row_group_size : int, optional
        Defaults from settings ``crds_batch.ingest-batch-bytes`` / ``row-group-size``.
    progress : callable, optional
        Called as ``progress(source, datasets_read_so_far)``.
    workers : int, optional
        Processes parsing ``.json`` saves (setting ``crds_batch.ingest-workers``,
        default the CPU count); 1 parses in this process.

    Returns
    -------
    IngestReport
    """
    start = time.monotonic()
    batch_bytes = int(batch_bytes or settings.get_int("ingest-batch-bytes", 32 << 20))
    row_group_size = int(row_group_size or settings.get_int("row-group-size", 125000))
    workers = int(workers or settings.get_int("ingest-workers", 0, minimum=0) or os.cpu_count() or 1)
    for source in sources:
        if not os.path.exists(source):
            raise SaveFormatError(f"{source}: no such file")
        if save_kind(source) is None and not is_dataset_file(source):
            raise SaveFormatError(f"{source}: not a .json/.pkl save or a FITS/ASDF dataset file")
    os.makedirs(store_dir, exist_ok=True)
    report = IngestReport(store=store_dir)
    with FileLock(os.path.join(store_dir, S.LOCK_NAME)):
        old = None if replace or not layout.is_store(store_dir) else layout.read_manifest(store_dir)
        if old:  # a store written before generations had readers files gets one on its live generation
            readers.mark(os.path.join(store_dir, old["generation"]))
        token = uuid.uuid4().hex[:12]
        staging = os.path.join(store_dir, S.STAGING_PREFIX + token)
        generation = layout.generation_name(token)
        gen_dir = os.path.join(store_dir, generation)
        os.makedirs(staging)
        try:
            staged, hashes = _stage_sources(sources, staging, report, batch_bytes, row_group_size, trust_pickles,
                                            progress, workers)
            previous = _previous_files(store_dir, old)
            check = _may_have_duplicates(previous, hashes)
            final = _finish(staged, previous, gen_dir, staging, report, row_group_size, check, workers)
            manifest = _manifest(old, generation, final, report, gen_dir)
            _report_missing_dates(final, report)
            layout.write_manifest(store_dir, manifest)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        # Older generations go once no reader holds them (a reader finishes on the generation it opened).
        layout.remove_stale(store_dir, {generation})
    report.datasets = manifest["counts"]["datasets"]
    report.seconds = time.monotonic() - start
    return report


# -- staging ------------------------------------------------------------------------------


def _stage_sources(sources, staging, report, batch_bytes, row_group_size, trust_pickles, progress, workers):
    """Write every source's datasets to staging files; return them and the hashes of the ids read."""
    staged: list[WrittenFile] = []
    hashes: list[np.ndarray] = []
    for index, source in enumerate(sources):
        writer = PartitionedWriter(staging, row_group_size, source=index, prefix=f"src{index:04d}",
                                   buffer_bytes=4 * batch_bytes)
        read = 0
        into = Staging(staging, row_group_size, index, f"src{index:04d}")
        for result in _staged_blocks(source, batch_bytes, trust_pickles, workers, into):
            report._add("skipped_lines", result.bad_lines)
            report._add("dataset_errors", result.bad_datasets)
            for observatory, instrument, data in result.parts:
                writer.write(observatory, instrument, data)
            staged.extend(result.files)  # written by a worker, in block order
            hashes.append(result.hashes)
            if result.datasets:
                read += result.datasets
                if progress:
                    progress(source, read)
        staged.extend(writer.close())
        report.datasets_read += read
        report.sources.append({"path": os.path.abspath(source), "kind": save_kind(source) or "file",
                               "datasets": read})
    return staged, hashes


def _staged_blocks(source: str, batch_bytes: int, trust_pickles: bool, workers: int,
                   staging: Staging) -> Iterator[BlockResult]:
    """Blocks of one source: ``.json`` saves in worker processes (which write the files), others here."""
    if save_kind(source) == "json":
        whole = whole_file_batch(source)
        if whole is None:
            yield from iter_blocks(source, batch_bytes, workers, staging)
            return
        batches: Iterator[SaveBatch] = iter([whole])
    else:
        batches = _batches(source, batch_bytes, trust_pickles)
    for batch in batches:
        result = BlockResult(bad_lines=batch.bad_lines, bad_datasets=batch.bad_datasets, datasets=len(batch.ids))
        if batch.ids:
            table = headers_to_table(batch.ids, batch.headers)
            result.hashes = id_hashes(table.column(S.DATASET_ID))
            result.parts = partition(table)
        yield result


def _batches(source: str, batch_bytes: int, trust_pickles: bool) -> Iterator[SaveBatch]:
    if save_kind(source):
        yield from iter_save(source, batch_bytes=batch_bytes, trust_pickles=trust_pickles)
        return
    batch = SaveBatch()
    try:
        params = read_parameters(source)
    except HeaderError as exc:
        batch.bad_lines.append(str(exc))
    else:
        batch.ids.append(params.dataset_id)
        batch.headers.append(params.parameters)
    yield batch


def _may_have_duplicates(previous: list[WrittenFile], hashes: list[np.ndarray]) -> bool:
    """False when no two ids read (or in the previous store) share a hash: then no id repeats.

    8 bytes per dataset instead of the id column; equal hashes (a repeated id,
    or rarely a collision) send the ingest to the exact check.
    """
    for f in previous:
        hashes.append(id_hashes(pq.ParquetFile(f.path).read(columns=[S.DATASET_ID]).column(0)))
    every = np.concatenate(hashes) if hashes else np.empty(0, np.uint64)
    every.sort()
    return bool(np.any(every[1:] == every[:-1]))


def _previous_files(store_dir: str, old: dict | None) -> list[WrittenFile]:
    if not old:
        return []
    gen_dir = os.path.join(store_dir, old["generation"])
    files = []
    for part in old["partitions"].values():
        for name, rows in zip(part["files"], part["file_rows"]):
            files.append(WrittenFile(os.path.join(gen_dir, name), part["observatory"], part["instrument"],
                                     rows, list(part["parameters"]), -1))
    escaped = layout.outside(gen_dir, [f.path for f in files])
    if escaped:
        raise layout.StoreError(f"{escaped}: leads outside the store's generation {gen_dir} (a symlink); "
                                "refusing to read it")
    return files


# -- finishing: duplicates, unknown instruments, the new generation -------------------------


def _finish(staged, previous, gen_dir, staging, report, row_group_size, check=True, workers=1) -> list[WrittenFile]:
    files = previous + staged  # previous store first: the earliest "source"
    duplicates = find_duplicates([f.path for f in files]) if check else None
    final: list[WrittenFile] = []
    os.makedirs(gen_dir, exist_ok=True)
    readers.mark(gen_dir)
    if duplicates is not None:
        # Merge first: it reads every input, and placing moves staged files away.
        merged_files, errors = merge_duplicates(files, duplicates, gen_dir, row_group_size)
        final.extend(merged_files)
        report._add("dataset_errors", errors)
    for f in files:
        if f.instrument == S.UNKNOWN:
            _report_unknown(f.path, duplicates, report)
        elif duplicates is None or not _has_any(f.path, duplicates):
            final.append(_place(f, gen_dir))
        else:
            final.extend(_copy_without(f, duplicates, gen_dir, row_group_size))
    if settings.get_bool("ingest-compact", True):
        final = compact(final, gen_dir, row_group_size, workers)
    return final


def _has_any(path: str, ids: pa.Array) -> bool:
    column = pq.ParquetFile(path).read(columns=[S.DATASET_ID]).column(0)
    return bool(pc.any(pc.is_in(column, value_set=ids)).as_py())


def _place(f: WrittenFile, gen_dir: str) -> WrittenFile:
    """Put a finished file into the new generation: move a staged one, hard-link a previous one."""
    directory = os.path.join(gen_dir, S.partition_dir(f.observatory, f.instrument))
    os.makedirs(directory, exist_ok=True)
    target = os.path.join(directory, os.path.basename(f.path))
    if f.source >= 0:
        os.replace(f.path, target)
    else:
        layout.link_or_copy(f.path, target)
    return WrittenFile(target, f.observatory, f.instrument, f.rows, f.columns, f.source)


def _copy_without(f: WrittenFile, duplicates: pa.Array, gen_dir: str, row_group_size: int) -> list[WrittenFile]:
    writer = PartitionedWriter(gen_dir, row_group_size, source=f.source, prefix="part")
    parquet = pq.ParquetFile(f.path)
    for batch in parquet.iter_batches(batch_size=row_group_size):
        keep = pc.invert(pc.is_in(batch.column(S.DATASET_ID), value_set=duplicates))
        writer.write(f.observatory, f.instrument, pa.Table.from_batches([batch]).filter(keep))
    parquet.close()
    return writer.close()


def _report_unknown(path: str, duplicates, report: IngestReport) -> None:
    ids = pq.ParquetFile(path).read(columns=[S.DATASET_ID]).column(S.DATASET_ID)
    if duplicates is not None:
        ids = ids.filter(pc.invert(pc.is_in(ids, value_set=duplicates)))
    report._add("dataset_errors", [f"dataset {i}: no known instrument (INSTRUME / META.INSTRUMENT.NAME)"
                                   for i in ids.to_pylist()[:MAX_REPORTED]])
    report.dataset_error_count += max(0, len(ids) - MAX_REPORTED)


def _report_missing_dates(final: list[WrittenFile], report: IngestReport) -> None:
    for f in final:
        table = pq.ParquetFile(f.path).read(columns=[S.DATASET_ID, S.TIMESTAMP])
        missing = table.filter(pc.is_null(table.column(S.TIMESTAMP)))
        if missing.num_rows:
            ids = missing.column(S.DATASET_ID).to_pylist()
            report.missing_dates.extend(f"dataset {i}: no observation date ({f.instrument})"
                                        for i in ids[: max(0, MAX_REPORTED - len(report.missing_dates))])
            report.missing_date_count += len(ids)


def _manifest(old, generation, final, report, gen_dir) -> dict:
    partitions: dict[str, dict] = {}
    for f in final:
        key = f"{f.observatory}/{f.instrument}"
        part = partitions.setdefault(key, {"observatory": f.observatory, "instrument": f.instrument,
                                           "rows": 0, "parameters": [], "files": [], "file_rows": []})
        part["rows"] += f.rows
        part["files"].append(os.path.relpath(f.path, gen_dir))
        part["file_rows"].append(f.rows)
        seen = set(part["parameters"])
        part["parameters"].extend(c for c in f.columns if c not in seen)
    now = time.strftime("%Y-%m-%dT%H:%M:%S")
    sources = (old or {}).get("sources", []) + [dict(s, ingested=now) for s in report.sources]
    return {
        "format": S.FORMAT_NAME,
        "schema_version": S.SCHEMA_VERSION,
        "generation": generation,
        "created": (old or {}).get("created", now),
        "updated": now,
        "sources": sources,
        "counts": {
            "datasets": sum(p["rows"] for p in partitions.values()),
            "by_partition": {k: p["rows"] for k, p in sorted(partitions.items())},
            "last_ingest": {"read": report.datasets_read, "skipped_lines": report.skipped_line_count,
                            "dataset_errors": report.dataset_error_count},
        },
        "partitions": dict(sorted(partitions.items())),
    }
