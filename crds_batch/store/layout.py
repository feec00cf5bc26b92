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
import re
import shutil
import time
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
    version = manifest.get("schema_version")
    if type(version) is not int or version not in S.READABLE_SCHEMA_VERSIONS:
        readable = " or ".join(map(str, S.READABLE_SCHEMA_VERSIONS))
        raise StoreError(
            f"{path}: store schema version {version} is not {readable}; re-ingest it"
        )
    problem = manifest_problem(manifest)
    if problem:
        raise StoreError(f"{path}: invalid manifest: {problem}")
    return manifest


#: A generation directory name, and a name inside a partition directory: plain names, no separators, no ``..``.
_GENERATION = re.compile(rf"^{re.escape(S.GENERATION_PREFIX)}[A-Za-z0-9][A-Za-z0-9_-]*$")
_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def manifest_problem(manifest: dict) -> str | None:
    """What makes ``manifest`` unusable (wrong shapes, names leading out of its generation), or None.

    Every file a manifest names must be a plain file name in its partition's
    directory of the generation: a tampered manifest cannot make a reader open
    anything else.
    """
    generation = manifest.get("generation")
    if not isinstance(generation, str) or not _GENERATION.match(generation):
        return f"generation {generation!r} is not a generation directory name"
    partitions = manifest.get("partitions")
    counts = manifest.get("counts")
    if not isinstance(partitions, dict) or not isinstance(counts, dict) or not _is_count(counts.get("datasets")):
        return "no partitions or dataset count"
    for key, part in partitions.items():
        if not isinstance(part, dict):
            return f"partition {key!r} is not an object"
        observatory, instrument = part.get("observatory"), part.get("instrument")
        if not all(isinstance(v, str) and _PLAIN.match(v) for v in (observatory, instrument)):
            return f"partition {key!r} has a bad observatory/instrument {observatory!r}/{instrument!r}"
        files, rows, parameters = part.get("files"), part.get("file_rows"), part.get("parameters")
        if not (isinstance(files, list) and isinstance(rows, list) and len(files) == len(rows)
                and all(_is_count(r) for r in rows) and isinstance(parameters, list)
                and all(isinstance(p, str) for p in parameters) and _is_count(part.get("rows"))):
            return f"partition {key!r} lacks files, rows or parameters"
        directory = S.partition_dir(observatory, instrument) + "/"
        for name in files:
            if not (isinstance(name, str) and name.startswith(directory) and _PLAIN.match(name[len(directory):])):
                return f"partition {key!r} names {name!r}, which is not a file of its directory {directory!r}"
    from .kept import entry_problem

    return entry_problem(manifest)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def outside(root: str, paths: list[str]) -> str | None:
    """The first of ``paths`` that leads out of directory ``root`` once symlinks are resolved, else None."""
    real_root = os.path.realpath(root)
    for path in paths:
        real = os.path.realpath(path)
        if os.path.commonpath([real_root, real]) != real_root:
            return path
    return None


def generation_name(token: str) -> str:
    """A new generation's directory name: its time and the writer's ``token``."""
    return S.GENERATION_PREFIX + time.strftime("%Y%m%dT%H%M%S") + "-" + token


def link_or_copy(source: str, target: str) -> None:
    """Put ``source`` at ``target`` as a hard link (a previous generation's file), or a copy where the
    filesystem has no hard links."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


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
