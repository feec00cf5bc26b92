"""Fetch files in parallel, each streamed to a temp file beside its final name, verified, renamed.

Every download goes through :meth:`CrdsClient.download` (temp file in the
target directory, size and sha1 checked against the server's metadata,
fsync, rename; a wrong or short answer is refused and fetched again within
the client's retry budget). At most ``parallel`` files are in flight. A file
already in place with the size (and, when known, the sha1) the server
gives is not fetched again, so an interrupted sync re-run fetches only what
is missing or wrong.
"""
from __future__ import annotations

import concurrent.futures
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..client import CrdsClient, ServerError
from .progress import Report, TransferProgress

DEFAULT_PARALLEL = 8
MAX_PARALLEL = 64


@dataclass(frozen=True)
class FileJob:
    name: str
    url: str
    path: str
    size: int | None
    sha1: str | None


def fetch_files(client: CrdsClient, jobs: Sequence[FileJob], *, parallel: int = DEFAULT_PARALLEL,
                what: str = "Fetching", report: Report | None = None,
                before_write: Callable[[FileJob], None] | None = None) -> tuple[int, int, list[str]]:
    """Download ``jobs``; return ``(files fetched, bytes fetched, one error line per failed file)``."""
    if not jobs:
        return 0, 0, []
    total = sum(job.size or 0 for job in jobs)
    progress = TransferProgress(what, len(jobs), total, report)
    errors: list[str] = []

    def one(job: FileJob) -> int:
        os.makedirs(os.path.dirname(job.path), exist_ok=True)
        if before_write:
            before_write(job)
        written = client.download(job.url, job.path, size=job.size, sha1=job.sha1)
        progress.add(1, written)
        return written

    fetched = nbytes = 0
    workers = max(1, min(parallel, MAX_PARALLEL, len(jobs)))
    with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="crds-sync") as pool:
        futures = {pool.submit(one, job): job for job in jobs}
        for future in concurrent.futures.as_completed(futures):
            job = futures[future]
            try:
                nbytes += future.result()
                fetched += 1
            except ServerError as exc:
                errors.append(f"Failed fetching {job.name}: {exc.reason}")
            except OSError as exc:
                errors.append(f"Failed writing {job.name} to {os.path.dirname(job.path)}: "
                              f"{exc.strerror or exc}")
    return fetched, nbytes, sorted(errors)
