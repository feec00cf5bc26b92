"""A store directory on disk: the manifest, generations, and the atomic switch.

::

    DIR/manifest.json                 <- names the live generation (replaced atomically)
    DIR/gen-<id>/observatory=hst/instrument=acs/part-*.parquet
    DIR/.staging-<id>/                <- an ingest in progress (removed on success)

A reader reads the manifest once and then only the files it lists, so an
ingest that dies at any point leaves the previous generation readable and
whole: new files are written beside it, and the switch is one ``os.replace``
of the manifest. Generations and staging directories no manifest names are
removed by the next ingest, except a generation a reader still holds (see
:mod:`.readers`): it stays until an ingest finds it unread.
"""
from __future__ import annotations

import json
import os
import shutil
from typing import Any

from ..errors import CrdsBatchError
from . import readers
from . import schema as S


class StoreError(CrdsBatchError):
    """A parameter store is missing, unreadable, or of an unknown version."""


def manifest_path(store_dir: str) -> str:
    return os.path.join(store_dir, S.MANIFEST_NAME)


def is_store(path: str) -> bool:
    """True if ``path`` is a store directory (it has a manifest)."""
    return os.path.isfile(manifest_path(path))


def read_manifest(store_dir: str) -> dict[str, Any]:
    """Return the manifest of the store at ``store_dir``."""
    path = manifest_path(store_dir)
    try:
        with open(path) as handle:
            manifest = json.load(handle)
    except FileNotFoundError:
        raise StoreError(f"{store_dir}: not a parameter store (no {S.MANIFEST_NAME})") from None
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: unreadable manifest: {exc}") from exc
    if manifest.get("format") != S.FORMAT_NAME:
        raise StoreError(f"{path}: not a crds-batch parameter store manifest")
    if manifest.get("schema_version") != S.SCHEMA_VERSION:
        raise StoreError(
            f"{path}: store schema version {manifest.get('schema_version')} is not {S.SCHEMA_VERSION}; re-ingest it"
        )
    return manifest


def write_manifest(store_dir: str, manifest: dict[str, Any]) -> None:
    """Replace the manifest atomically (temp file, fsync, rename): this is the switch."""
    path = manifest_path(store_dir)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as handle:
        json.dump(manifest, handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(store_dir)


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale(store_dir: str, keep: set[str]) -> list[str]:
    """Remove staging directories and the generations no reader holds, except ``keep`` (call with the lock held).

    Returns the generations kept because a reader still holds them (see :mod:`.readers`).
    """
    held = []
    for name in sorted(os.listdir(store_dir)):
        if name in keep:
            continue
        path = os.path.join(store_dir, name)
        if name.startswith(S.STAGING_PREFIX):
            shutil.rmtree(path, ignore_errors=True)
        elif name.startswith(S.GENERATION_PREFIX) and not readers.remove_if_unread(path):
            held.append(name)
    return held
