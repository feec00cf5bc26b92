"""How the worker processes of the LocalCluster a command starts come to life: forked, ready to run.

distributed spawns each worker as a new interpreter, which imports distributed, numpy, pandas and pyarrow
(~0.55 s) and then, in its first task, the engine (~0.5 s): every worker pays both, on the cores the job
needs. With the ``forkserver`` start method (``distributed.worker.multiprocessing-method``) one server
process imports all of it once and each worker is a fork of it; :func:`start_worker_server` starts that
server as soon as a command knows it will start a LocalCluster: ``affected`` and ``check-context`` from their
command line (:func:`start_for_command_line`, before their own imports), any job before its planning
(:func:`~.cluster.prepare_local_workers`), so the server's imports overlap this process's (docs/performance.md,
issue 15, fifteenth and sixteenth steps).

Setting ``crds_batch.local-worker-start``: ``forkserver`` (the default where the platform has it) or
``spawn`` (distributed's own way). The server takes the workers' environment
(:func:`~.cluster.local_worker_environ`) when it starts, once per process: glibc reads ``MALLOC_*`` and
pyarrow its memory pool at start-up, and a fork inherits them. A later cluster of the same process with
another ``local-worker-environ`` gets those variables in its workers' ``os.environ`` only.
"""
from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Sequence

from ..settings import SettingsError

#: What the server imports before forking workers: distributed's own preload, and what a partition task loads.
PRELOAD = ("distributed", "dask", "numpy", "pandas", "pyarrow", "pyarrow.parquet", "crds_batch.batch.affected",
           "crds_batch.batch.check", "crds_batch.engine.evaluate", "crds_batch.store.encoded_read")
START_METHODS = ("forkserver", "spawn")
#: Setting (Dask config ``crds_batch.local-worker-start``): how the LocalCluster's worker processes start.
WORKER_START = "local-worker-start"


def worker_start_method() -> str:
    """``forkserver`` or ``spawn``, from the setting; ``spawn`` where the platform has no fork server."""
    from .. import settings

    method = settings.get(WORKER_START) or "forkserver"
    if method not in START_METHODS:
        raise SettingsError(f"crds_batch.{WORKER_START} must be one of {', '.join(START_METHODS)}, not {method!r}")
    if method == "forkserver" and "forkserver" not in multiprocessing.get_all_start_methods():
        return "spawn"
    return method


def start_worker_server(environ: dict[str, str | None]) -> None:
    """Start this process's fork server (if not running) with ``environ`` (None: unset) and :data:`PRELOAD`.

    Returns at once: the server imports in the background, and the first worker's fork waits for it.
    """
    import multiprocessing.forkserver

    # Without importing distributed here (the server does): its own preload list, set when its first worker
    # starts, does not change a server already running.
    multiprocessing.get_context("forkserver").set_forkserver_preload(list(PRELOAD))
    environ = {**environ, **server_import_path()}
    saved = {name: os.environ.get(name) for name in environ}
    try:
        _set_environ(environ)
        multiprocessing.forkserver.ensure_running()
    finally:
        _set_environ(saved)


def server_import_path() -> dict[str, str]:
    """The environment that has the fork server import from this process's ``sys.path``.

    Python 3.11's fork server ignores the ``sys_path`` it is given and imports its preload from the path of a
    ``python -c`` started in this process's directory: the current directory first. A directory holding another
    ``crds_batch`` (a checkout) would give the workers other code than this process's, whose results this
    process then cannot load. ``PYTHONSAFEPATH`` leaves the directory out and ``PYTHONPATH`` lists this
    process's path (the forked workers take it again when they start).
    """
    import sys

    return {"PYTHONSAFEPATH": "1", "PYTHONPATH": os.pathsep.join(os.path.abspath(entry or os.curdir)
                                                                 for entry in sys.path)}


#: A store's manifest (crds_batch.store.schema.MANIFEST_NAME, not imported: that package imports pandas).
_MANIFEST_NAME = "manifest.json"


def start_for_command_line(args: Sequence[str]) -> None:
    """Start the fork server now, before the command's own imports, when its arguments ``args`` (after the
    command's name) ask for a job that will start a LocalCluster (:func:`~.cluster.prepare_local_workers`):
    ``--workers N``, or one ``--params`` store whose manifest counts at least the cluster threshold's datasets,
    and no ``--no-cluster`` or scheduler. Anything else, or anything unclear, leaves the start to the job;
    this only makes it earlier (the server imports on the other core while this process imports and plans).
    """
    try:
        found = _cluster_arguments(args)
        if found is None:
            return
        from .cluster import ClusterOptions, prepare_local_workers

        options, datasets = found
        prepare_local_workers(ClusterOptions(**options), datasets)
    except Exception:  # noqa: BLE001 - the job's own start reports any fault, in one line
        return


def _cluster_arguments(args: Sequence[str]) -> tuple[dict, int] | None:
    """(ClusterOptions fields, datasets of the store) from a batch command's arguments, or None: help asked,
    or no store directory with a manifest and no ``--workers``."""
    values: dict[str, list[str]] = {}
    words = list(args[:args.index("--")] if "--" in args else args)
    if "-h" in words or "--help" in words:
        return None
    for i, word in enumerate(words):
        name, equals, value = word.partition("=")
        if name in ("--params", "--workers", "--scheduler-address", "--scheduler-file"):
            if not equals:
                value = words[i + 1] if i + 1 < len(words) else ""
            values.setdefault(name, []).append(value)
    options = {"n_workers": int(values["--workers"][-1]) if "--workers" in values else None,
               "scheduler_address": (values.get("--scheduler-address") or [None])[-1],
               "scheduler_file": (values.get("--scheduler-file") or [None])[-1],
               "synchronous": "--no-cluster" in words}
    stores = values.get("--params", [])
    datasets = 0
    if len(stores) == 1 and os.path.isfile(os.path.join(stores[0], _MANIFEST_NAME)):
        with open(os.path.join(stores[0], _MANIFEST_NAME), encoding="utf-8") as handle:
            partitions = json.load(handle).get("partitions", {}).values()
        datasets = sum(int(partition.get("rows", 0)) for partition in partitions)
    elif options["n_workers"] is None:
        return None
    return options, datasets


def _set_environ(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = str(value)
