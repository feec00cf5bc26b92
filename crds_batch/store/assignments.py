"""Best references of a context recorded beside a store's data, so that a later run need not evaluate it again.

An archive keeps each dataset's current best references; a store can keep them too: the results of one
context for every dataset, type by type. ``affected`` from that context then reads its old side instead
of evaluating it (half the work of a delivery). Layout, inside the generation whose rows they describe
(a new ingest makes a new generation, so recordings never outlive the data they belong to)::

    gen-<id>/assignments/<context>.json                    <- the pointer: the current recording (atomic)
    gen-<id>/assignments/<context>-<token>/observatory=hst/instrument=acs/<data file>.rg<N>.parquet
    gen-<id>/assignments/.staging-<context>-<token>/       <- a recording in progress (never read)

One file per row group of each data file, holding the same rows in the same order: one column per type
(the engine's result text; null where the type is absent for the row). The pointer names the directory,
the rules' digest (the texts of the context's whole closure: a different file of the same name is not
the same context) and the types per instrument; it is written last, through a temp file, fsync and
rename, so a recording killed at any point is simply not there.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .layout import StoreError
from .store import Store, damaged_files_are_errors

DIRECTORY = "assignments"
FORMAT = "crds-batch-assignments"
VERSION = 1
#: Prefix of the recorded columns a reader adds to a partition's frame (no parameter starts with ``_``).
COLUMN_PREFIX = "_recorded:"
_STAGING = ".staging-"
_CODES = pa.dictionary(pa.int32(), pa.string())
#: A context name that may name files: a plain mapping file name, no separators or ``..``.
_CONTEXT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.pmap$")


@dataclass(frozen=True)
class Recorded:
    """A complete recording of one context's best references for a store's generation."""

    context: str
    directory: str  # absolute
    rules: str  # digest of the context's mapping texts
    types: dict[str, tuple[str, ...]]  # instrument (lower) -> recorded types


def _root(store: Store) -> str:
    return os.path.join(store._gen_dir, DIRECTORY)


def _checked_name(context: str) -> str:
    name = os.path.basename(context)
    if not _CONTEXT_NAME.match(name) or ".." in name:
        raise StoreError(f"{context!r}: not a context file name that assignments can be recorded under")
    return name


def _pointer(store: Store, context: str) -> str:
    return os.path.join(_root(store), _checked_name(context) + ".json")


def group_path(directory: str, data_path: str, index: int) -> str:
    """The recording of row group ``index`` of the store data file ``data_path`` inside ``directory``."""
    gen_dir = os.path.dirname(os.path.dirname(os.path.abspath(directory)))
    relative = os.path.relpath(data_path, gen_dir)
    if relative.startswith("..") or os.path.isabs(relative):
        raise StoreError(f"{data_path}: not a data file of the generation of {directory}")
    return os.path.join(directory, f"{os.path.splitext(relative)[0]}.rg{index}.parquet")


def start_recording(store: Store, context: str) -> str:
    """A new, empty staging directory for a recording of ``context`` (stale ones of crashed runs removed)."""
    name = _checked_name(context)
    root = _root(store)
    os.makedirs(root, exist_ok=True)
    for entry in os.listdir(root):
        if entry.startswith(f"{_STAGING}{name}-"):
            shutil.rmtree(os.path.join(root, entry), ignore_errors=True)
    staging = os.path.join(root, f"{_STAGING}{name}-{uuid.uuid4().hex[:12]}")
    os.makedirs(staging)
    return staging


def write_groups(directory: str, groups: Sequence[tuple[str, int, int]], results: pd.DataFrame) -> None:
    """Write ``results`` (rows of ``groups``: (data file, row group, rows) in order; one Categorical column
    per type) as one file per row group in ``directory`` (a staging directory; :func:`finish_recording` syncs them)."""
    table = pa.table({str(name): pa.array(results[name].astype("category").array, _CODES) for name in results.columns})
    start = 0
    for path, index, rows in groups:
        target = group_path(directory, path, index)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        pq.write_table(table.slice(start, rows), target)
        start += rows
    if start != len(results):
        raise StoreError(f"{directory}: {len(results)} results for {start} rows of row groups")


def finish_recording(store: Store, context: str, staging: str, rules: str, types: dict[str, tuple[str, ...]]
                     ) -> Recorded:
    """Make the staging directory the current recording of ``context`` (the pointer replaced atomically);
    recordings no longer current are removed, except the one just replaced (a reader may still be on it)."""
    name = _checked_name(context)
    root = _root(store)
    final = os.path.join(root, f"{name}-{os.path.basename(staging).rsplit('-', 1)[1]}")
    os.sync()  # the recorded files on disk before the pointer names them (one call, not an fsync per file)
    os.replace(staging, final)
    pointer = _pointer(store, context)
    previous = _read_pointer(pointer)
    record = {"format": FORMAT, "version": VERSION, "context": name, "directory": os.path.basename(final),
              "rules": rules, "types": {k: list(v) for k, v in sorted(types.items())}}
    temp = f"{pointer}.tmp-{os.getpid()}"
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, pointer)
    directory_fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(directory_fd)
    finally:
        os.close(directory_fd)
    keep = {os.path.basename(final), (previous or {}).get("directory")}
    for entry in os.listdir(root):
        if entry.startswith(f"{name}-") and entry not in keep and os.path.isdir(os.path.join(root, entry)):
            shutil.rmtree(os.path.join(root, entry), ignore_errors=True)
    return Recorded(name, final, rules, {k: tuple(v) for k, v in types.items()})


def _read_pointer(pointer: str) -> dict | None:
    try:
        with open(pointer, encoding="utf-8") as handle:
            record = json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StoreError(f"{pointer}: unreadable recording pointer: {exc}") from None
    return record if isinstance(record, dict) else None


def find_recording(store: Store, context: str, rules: str, instruments: Sequence[str]) -> tuple[Recorded | None, str]:
    """The current recording of ``context`` if it can stand for evaluating it over ``instruments``
    (lower case): same rules digest, every row group of theirs recorded. Else (None, why not)."""
    try:
        record = _read_pointer(_pointer(store, context))
    except StoreError as exc:
        return None, str(exc)
    if record is None:
        return None, "none recorded"
    directory = os.path.join(_root(store), str(record.get("directory", "")))
    types = record.get("types")
    if (record.get("format") != FORMAT or record.get("version") != VERSION or not isinstance(types, dict)
            or os.path.dirname(os.path.normpath(directory)) != _root(store) or not os.path.isdir(directory)):
        return None, "the recording pointer is not valid"
    if record.get("rules") != rules:
        return None, "recorded from other rules of that name"
    missing = [instrument for instrument in instruments if instrument not in types]
    if missing:
        return None, f"no recording for {', '.join(missing)}"
    for chunk in store.row_groups(list(instruments)):
        for path, index in chunk:
            if not os.path.isfile(group_path(directory, path, index)):
                return None, f"incomplete: {os.path.relpath(path, store._gen_dir)} row group {index} missing"
    return Recorded(str(record["context"]), directory, rules, {k: tuple(v) for k, v in types.items()}), ""


def read_groups(directory: str, groups: Sequence[tuple[str, int]], rows: int) -> pa.Table:
    """The recorded columns of row groups ``groups`` ((data file, index) in order), dictionary-encoded,
    named with :data:`COLUMN_PREFIX`; ``rows`` is how many rows the data holds (checked)."""
    tables = []
    for path, index in groups:
        target = group_path(directory, path, index)
        with damaged_files_are_errors(target):
            names = pq.read_schema(target).names
            tables.append(pq.read_table(target, read_dictionary=names))
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="default")
    if table.num_rows != rows:
        raise StoreError(f"{directory}: recorded {table.num_rows} rows where the store holds {rows} "
                         "(the recording is damaged: record it again)")
    return table.rename_columns([COLUMN_PREFIX + name for name in table.column_names])


__all__ = ["COLUMN_PREFIX", "Recorded", "find_recording", "finish_recording", "group_path", "read_groups",
           "start_recording", "write_groups"]
