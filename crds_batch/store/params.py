"""``--params``: a store directory, or save/dataset files ingested on the fly."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from .ingest import IngestReport, ingest
from .layout import StoreError, is_store
from .store import Store


@contextmanager
def open_params(params: Sequence[str], *, workdir: str | None = None, trust_pickles: bool = False,
                progress=None) -> Iterator[Store]:
    """Open the parameters named by ``--params`` as a :class:`Store`, in a ``with`` block.

    Parameters
    ----------
    params : sequence of str
        One store directory, or save files (``.json``/``.pkl``) and FITS/ASDF
        dataset files, which are ingested into a temporary store (under
        ``workdir``, else the system temp directory; removed with the process's
        temp files, see :attr:`Store.ingest_report`).
    trust_pickles : bool
        Allow ``.pkl`` saves.

    Raises
    ------
    StoreError
        Nothing given, or a directory that is not a store mixed with files.
    """
    params = list(params)
    if not params:
        raise StoreError("--params: give a store directory or save/dataset files")
    if len(params) == 1 and os.path.isdir(params[0]):
        if not is_store(params[0]):
            raise StoreError(f"{params[0]}: not a parameter store (no manifest.json); ingest it first")
        with Store(params[0]) as store:
            yield store
        return
    directories = [p for p in params if os.path.isdir(p)]
    if directories:
        raise StoreError(f"--params: a store directory must be given alone ({directories[0]})")
    tmp = tempfile.mkdtemp(prefix="crds-batch-params-", dir=workdir)
    try:
        report: IngestReport = ingest(params, tmp, trust_pickles=trust_pickles, progress=progress)
        if not report.datasets:
            problems = report.skipped_lines + report.dataset_errors
            first = f"; first: {problems[0]}" if problems else ""
            raise StoreError(f"{', '.join(params)}: no datasets could be read "
                             f"({report.skipped_line_count} lines skipped, "
                             f"{report.dataset_error_count} dataset errors{first})")
        with Store(tmp) as store:
            store.ingest_report = report  # see input_problems: every one is an error of the job
            yield store
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def input_problems(store: Store) -> tuple[list[str], int]:
    """What could not be read from the save/dataset files a temporary store was made from.

    Returns the reported lines (``file:line: reason``, ``file:line: dataset X: reason``; the first
    few hundred) and how many there were in all. Each is an error of the job that read the store,
    as a dataset crds cannot process is: a store given as a directory has none.
    """
    report = getattr(store, "ingest_report", None)
    if report is None:
        return [], 0
    return report.skipped_lines + report.dataset_errors, report.skipped_line_count + report.dataset_error_count
