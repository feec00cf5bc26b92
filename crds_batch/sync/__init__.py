"""``crds-batch sync``: a CRDS cache keeper that never leaves a broken cache (see :mod:`.run`).

    report = run_sync(SyncOptions(contexts=["hst_0729.pmap"], fetch_references=True), CrdsClient())
"""
from __future__ import annotations

from .errors import SyncError, SyncLockTimeout
from .plan import SyncOptions
from .report import SyncReport, to_stderr
from .run import fetch_named, run_sync, watch_sync

__all__ = ["SyncError", "SyncLockTimeout", "SyncOptions", "SyncReport", "fetch_named", "run_sync", "to_stderr",
           "watch_sync"]
