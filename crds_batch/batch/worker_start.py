"""How the worker processes of the LocalCluster a command starts come to life: forked, ready to run.

distributed spawns each worker as a new interpreter, which imports distributed, numpy, pandas and pyarrow
(~0.55 s) and then, in its first task, the engine (~0.5 s): every worker pays both, on the cores the job
needs. With the ``forkserver`` start method (``distributed.worker.multiprocessing-method``) one server
process imports all of it once and each worker is a fork of it; :func:`start_worker_server` starts that
server as soon as a command knows it will start a LocalCluster, so the import overlaps the job's planning
(docs/performance.md, issue 15, fifteenth step).

Setting ``crds_batch.local-worker-start``: ``forkserver`` (the default where the platform has it) or
``spawn`` (distributed's own way). The server takes the workers' environment
(:func:`~.cluster.local_worker_environ`) when it starts, once per process: glibc reads ``MALLOC_*`` and
pyarrow its memory pool at start-up, and a fork inherits them. A later cluster of the same process with
another ``local-worker-environ`` gets those variables in its workers' ``os.environ`` only.
"""
from __future__ import annotations

import multiprocessing
import os

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

    import dask.config
    from distributed.utils import get_mp_context

    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        context = get_mp_context()  # distributed sets its preload list once, here; ours replaces it
    context.set_forkserver_preload(list(PRELOAD))
    saved = {name: os.environ.get(name) for name in environ}
    try:
        _set_environ(environ)
        multiprocessing.forkserver.ensure_running()
    finally:
        _set_environ(saved)


def _set_environ(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = str(value)
