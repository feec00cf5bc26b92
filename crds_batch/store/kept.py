"""Best references kept in a store: every dataset's results at one context, beside its parameters.

An archive keeps each dataset's current best references; a store can too
(``crds-batch keep-results CONTEXT``). The next ``affected`` from that
context then reads the old results instead of evaluating the old rules, and
takes the new results of the types whose rmap did not change from them too
(a type's results depend only on its rmap and the dataset: see
:func:`crds_batch.engine.evaluate._reused_result`)::

    DIR/gen-<id>/kept/observatory=hst/instrument=acs/<data file stem>.rg<k>.parquet

One file per row group of each data file, the same rows in the same order,
one dictionary-encoded column per type (null where the type is absent), as
:func:`crds_batch.engine.evaluate.evaluate` gives them. The manifest names
the context and the types kept per partition::

    "kept_results": {"context": "hst_0650.pmap", "types": {"hst/acs": ["atodtab", ...], ...}}

Keeping results writes a new generation (the data files hard-linked, the
result files added) and switches the manifest to it, as an ingest does; an
ingest's new generation keeps none (its rows are new).
"""
from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from typing import Any

from filelock import FileLock

from . import layout, readers
from . import schema as S

#: The manifest's entry.
MANIFEST_KEY = "kept_results"
#: The directory of the result files, in a generation.
DIRECTORY = "kept"
#: A kept result column, as a partition task's frame holds it beside the parameters: prefix + type.
COLUMN_PREFIX = "@kept:"

_MAPPING_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\.pmap$")
_TYPE_NAME = re.compile(r"^[a-z0-9_]+$")


def entry_problem(manifest: dict[str, Any]) -> str | None:
    """What makes the manifest's kept-results entry unusable (absent is fine), or None."""
    entry = manifest.get(MANIFEST_KEY)
    if entry is None:
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("context"), str) \
            or not _MAPPING_NAME.match(entry["context"]) or not isinstance(entry.get("types"), dict):
        return f"{MANIFEST_KEY} is not a context name and types"
    partitions = manifest.get("partitions") or {}
    for key, types in entry["types"].items():
        if key not in partitions:
            return f"{MANIFEST_KEY} names partition {key!r}, which the store does not have"
        if not isinstance(types, list) or not all(isinstance(t, str) and _TYPE_NAME.match(t) for t in types):
            return f"{MANIFEST_KEY} types of {key!r} are not type names"
    return None


def kept_types(manifest: dict[str, Any], context: str, partition: str) -> tuple[str, ...] | None:
    """The types whose results at ``context`` (a mapping name) the store keeps for ``partition``
    ("hst/acs"), or None."""
    entry = manifest.get(MANIFEST_KEY)
    if not entry or entry["context"].lower() != os.path.basename(context).lower():
        return None
    types = entry["types"].get(partition)
    return tuple(types) if types is not None else None


def kept_context(manifest: dict[str, Any]) -> str | None:
    """The context whose results the store keeps, or None."""
    entry = manifest.get(MANIFEST_KEY)
    return entry["context"] if entry else None


def result_file(root: str, data_file: str, row_group: int) -> str:
    """The kept results of row group ``row_group`` of ``data_file`` (relative to its generation), under
    ``root`` (a generation, or a staging directory)."""
    stem = data_file[:-len(".parquet")] if data_file.endswith(".parquet") else data_file
    return os.path.join(root, DIRECTORY, f"{stem}.rg{row_group}.parquet")


class Keeping:
    """Keeping results in a store: hold its lock (no ingest meanwhile), collect result files in a staging
    directory (:meth:`staged_file`), then :meth:`commit` them as a new generation.

    Use as a context manager; leaving without a commit removes the staging directory, and a killed
    process leaves only a staging directory that the next ingest or keep removes.
    """

    def __init__(self, store_dir: str):
        self.store_dir = os.path.abspath(store_dir)
        self._lock = FileLock(os.path.join(self.store_dir, S.LOCK_NAME))
        self.token = uuid.uuid4().hex[:12]
        self.staging = os.path.join(self.store_dir, S.STAGING_PREFIX + self.token)
        self.manifest: dict[str, Any] = {}

    def __enter__(self) -> Keeping:
        self._lock.acquire()
        try:
            self.manifest = layout.read_manifest(self.store_dir)
            os.makedirs(self.staging)
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            self._lock.release()

    @property
    def generation_dir(self) -> str:
        """The live generation (whose data files the results are of)."""
        return os.path.join(self.store_dir, self.manifest["generation"])

    def commit(self, context: str, types: dict[str, list[str]]) -> str:
        """Switch the store to a new generation: the live one's data files with the staged results of
        ``context`` for ``types`` (partition -> types kept). Returns the new generation's name."""
        generation = layout.generation_name(self.token)
        gen_dir = os.path.join(self.store_dir, generation)
        os.makedirs(gen_dir)
        readers.mark(gen_dir)
        for part in self.manifest["partitions"].values():
            for name in part["files"]:
                os.makedirs(os.path.dirname(os.path.join(gen_dir, name)), exist_ok=True)
                layout.link_or_copy(os.path.join(self.generation_dir, name), os.path.join(gen_dir, name))
        staged = os.path.join(self.staging, DIRECTORY)
        if os.path.isdir(staged):
            os.replace(staged, os.path.join(gen_dir, DIRECTORY))
        manifest = dict(self.manifest, generation=generation, updated=time.strftime("%Y-%m-%dT%H:%M:%S"))
        manifest[MANIFEST_KEY] = {"context": os.path.basename(context), "types": dict(sorted(types.items()))}
        layout.write_manifest(self.store_dir, manifest)
        layout.remove_stale(self.store_dir, {generation})
        return generation


__all__ = ["COLUMN_PREFIX", "DIRECTORY", "Keeping", "MANIFEST_KEY", "entry_problem", "kept_context", "kept_types",
           "result_file"]
