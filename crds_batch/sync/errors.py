"""Errors that stop a sync before it changes anything (exit status 3)."""
from __future__ import annotations

from ..errors import CrdsBatchError


class SyncError(CrdsBatchError):
    """A sync that cannot run: bad options, no contexts, a cache it may not write."""


class SyncLockTimeout(SyncError):
    """Another sync holds the cache's lock for longer than the timeout."""
