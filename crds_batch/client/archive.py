"""Archive dataset parameters from a CRDS server into the Parquet store (``crds-batch ingest --server``).

Ids come from ``get_dataset_ids`` (per instrument) or the user (``--datasets``);
ids the store already holds are not asked for again, so a second run fetches
only what the first did not store. Headers are asked in chunks of the
server's ``max_headers_per_rpc``, a few chunks at a time on reused
connections; every :data:`COMMIT_DATASETS` fetched datasets go into the store
as one ingest (a whole new generation), so an interruption keeps what was
committed and loses at most one batch, and nothing half-written is ever seen.
Ids the server answers with an error text are reported, not stored.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import pyarrow.compute as pc

from ..errors import CrdsBatchError
from ..store import Store, ingest, layout
from ..store import schema as S
from ..store.saves import write_json_save
from . import api
from .errors import ServerReplyError
from .session import CrdsClient

#: Datasets fetched between two commits to the store.
COMMIT_DATASETS = 100_000
#: Chunks asked at once (each on its own pooled connection).
DEFAULT_PARALLEL = 4
#: Most reported per-id error lines kept (the count is complete).
MAX_REPORTED = 1000

Progress = Callable[[int, int], None]


@dataclass
class ArchiveIngestReport:
    context: str
    requested: int = 0  #: ids asked for, from the server's lists or the user
    already_stored: int = 0  #: of those, skipped because the store holds them
    fetched: int = 0  #: headers received and stored
    missing: list[str] = field(default_factory=list)  #: "ID: server's reason" for ids without a header
    missing_count: int = 0
    #: "dataset X: reason" for headers the store refused (no known instrument...)
    store_errors: list[str] = field(default_factory=list)
    store_error_count: int = 0
    datasets: int = 0  #: datasets in the store afterwards
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.missing_count or self.store_error_count)

    def add_store_report(self, ingested) -> None:
        """Count what the store ingest of a batch refused or flagged (as ``crds-batch ingest`` would)."""
        lines = list(ingested.dataset_errors)
        self.store_errors.extend(lines[: max(0, MAX_REPORTED - len(self.store_errors))])
        self.store_error_count += ingested.dataset_error_count


def ingest_from_server(client: CrdsClient, store_dir: str, *, observatory: str, context: str | None = None,
                       instruments: Sequence[str] | None = None, all_instruments: bool = False,
                       datasets: Sequence[str] | None = None, since: str | None = None,
                       parallel: int = DEFAULT_PARALLEL, commit_datasets: int = COMMIT_DATASETS,
                       chunk_size: int | None = None, progress: Progress | None = None) -> ArchiveIngestReport:
    """Fetch the parameters of the chosen datasets into the store at ``store_dir``; see the module doc.

    ``chunk_size`` (ids per call) is the server's ``max_headers_per_rpc`` unless smaller."""
    start = time.monotonic()
    info = api.server_info(client, observatory)
    context = context or api.default_context(client, observatory)
    report = ArchiveIngestReport(context=context)
    chunk_size = min(chunk_size or api.max_headers_per_rpc(info), api.max_headers_per_rpc(info))
    wanted = _wanted_ids(client, context, instruments, all_instruments, datasets, since)
    report.requested = len(wanted)
    todo = _not_stored(store_dir, wanted)
    report.already_stored = len(wanted) - len(todo)
    if progress:
        progress(0, len(todo))
    pending: dict[str, dict] = {}
    done = 0
    with concurrent.futures.ThreadPoolExecutor(max(1, parallel), thread_name_prefix="crds-headers") as pool:
        chunks = list(api.chunks(todo, chunk_size))
        for headers in _in_order(pool, lambda ids: api.dataset_headers(client, context, ids, since), chunks,
                                 max(1, parallel)):
            for dataset_id, header in headers.items():
                if isinstance(header, dict):
                    pending[str(dataset_id)] = header
                else:
                    report.missing_count += 1
                    if len(report.missing) < MAX_REPORTED:
                        report.missing.append(f"{dataset_id}: {header}")
            done += sum(1 for _ in headers)
            if len(pending) >= commit_datasets:
                report.fetched += _commit(pending, store_dir, report)
            if progress:
                progress(min(done, len(todo)), len(todo))
    report.fetched += _commit(pending, store_dir, report)
    if layout.is_store(store_dir):
        with Store(store_dir) as store:
            report.datasets = len(store)
    report.seconds = time.monotonic() - start
    return report


def _wanted_ids(client, context, instruments, all_instruments, datasets, since) -> list[str]:
    if datasets is not None:
        return list(dict.fromkeys(d.strip().upper() for d in datasets if d.strip()))
    if all_instruments:
        parkeys = client.call("get_required_parkeys", os.path.basename(context))
        if not isinstance(parkeys, dict):
            raise ServerReplyError(client.url, "get_required_parkeys", "result is not an object")
        instruments = sorted(parkeys)
    ids: list[str] = []
    for instrument in instruments or ():
        ids.extend(api.dataset_ids(client, context, instrument.lower(), since))
    return list(dict.fromkeys(i.upper() for i in ids))


def _not_stored(store_dir: str, wanted: list[str]) -> list[str]:
    """``wanted`` without the ids the store holds (a bare id counts as held when a dataset of that
    product or exposure is stored)."""
    if not wanted or not layout.is_store(store_dir):
        return wanted
    with Store(store_dir) as store:
        if not store.files():
            return wanted
        table = store.dataset().to_table(columns=[S.DATASET_ID])
    stored = set(table.column(S.DATASET_ID).to_pylist())
    parts = pc.split_pattern(table.column(S.DATASET_ID), ":", max_splits=1)
    bare = {piece for pair in parts.to_pylist() for piece in pair}
    return [i for i in wanted if i not in stored and not (":" not in i and i in bare)]


def _in_order(pool, function, chunks: list, window: int):
    """``function(chunk)`` for every chunk, at most ``window`` at a time, yielded in chunk order."""
    futures: list[concurrent.futures.Future] = []
    index = 0
    try:
        while index < len(chunks) or futures:
            while index < len(chunks) and len(futures) < window:
                futures.append(pool.submit(function, chunks[index]))
                index += 1
            yield futures.pop(0).result()
    finally:
        for future in futures:
            future.cancel()


def _commit(pending: dict[str, dict], store_dir: str, report: ArchiveIngestReport) -> int:
    """Ingest ``pending`` into the store as one generation; empty it; return how many datasets."""
    if not pending:
        return 0
    directory = tempfile.mkdtemp(prefix="crds-batch-fetched-")
    try:
        save = os.path.join(directory, "fetched.json")
        count = write_json_save(save, sorted(pending.items()))
        report.add_store_report(ingest([save], store_dir, workers=1))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    pending.clear()
    return count


@contextlib.contextmanager
def fetched_store(client: CrdsClient, *, observatory: str, context: str | None = None,
                  instruments: Sequence[str] | None = None, datasets: Sequence[str] | None = None,
                  progress: Progress | None = None) -> Iterator[tuple[Store, ArchiveIngestReport]]:
    """The server's parameters of ``instruments`` (or ``datasets``) in a temporary store, open for one job and
    removed afterwards: what ``affected``/``check-context --instruments`` do with a server, as crds bestrefs
    fetches its parameters."""
    with tempfile.TemporaryDirectory(prefix="crds-batch-fetched-") as scratch:
        path = os.path.join(scratch, "store")
        report = ingest_from_server(client, path, observatory=observatory, context=context,
                                    instruments=instruments, datasets=datasets, progress=progress)
        if not layout.is_store(path):
            what = f"datasets {', '.join(datasets[:5])}" if datasets else f"instruments {', '.join(instruments or [])}"
            raise CrdsBatchError(f"{client.url} has no parameters for {what} ({report.missing_count} ids without "
                                 "headers)")
        with Store(path) as store:
            yield store, report
