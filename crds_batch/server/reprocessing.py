"""The reprocessing service of ``crds-batch serve --reprocess``: when the served operational context
changes, run ``affected`` old -> new over the store and serve the result through ``get_affected_datasets``.

A change is seen by polling the cache's ``server_config`` (a sync or an edit
rewrites it; its modification time is checked every ``poll_seconds``, on
SIGHUP, and at each ``get_affected_datasets`` request). Runs are queued and
executed one at a time in a background thread, on the Dask cluster given
(``--scheduler-address``...) or on a LocalCluster started at the first run and
kept until the server stops; requests never wait for them.

Each result is a ``crds-batch affected --output`` directory,
``RESULTS/<old>--<new>/``, written into a hidden directory and renamed into
place when complete. ``RESULTS/reprocessing.json`` records the last
operational context processed, so a change made while the server was down is
run at the next start, and a finished result is served after a restart.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..batch.cluster import ClusterOptions
from ..errors import CrdsBatchError
from ..files.atomic import write_atomically
from .jsonrpc import RpcError

log = logging.getLogger("crds_batch.server")

#: The record of the last operational context processed, inside the results directory.
STATE_FILE = "reprocessing.json"

#: Seconds between two checks of the cache config's modification time.
DEFAULT_POLL_SECONDS = 5.0


def result_name(old: str, new: str) -> str:
    """Directory name of the result of ``old -> new`` (``hst_0728--hst_0729``)."""
    return f"{os.path.splitext(old)[0]}--{os.path.splitext(new)[0]}"


@dataclass
class RunStatus:
    old: str
    new: str
    state: str  # "queued", "running", "failed"
    since: float
    message: str = ""

    def describe(self) -> str:
        """One line for a client asking for the results of this run."""
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.since))
        if self.state == "failed":
            return (f"crds-batch reprocessing {self.old!r} --> {self.new!r} failed at {started}: {self.message}")
        verb = "queued" if self.state == "queued" else "running"
        return (f"Affected datasets for {self.old!r} --> {self.new!r} are {verb} on this server "
                f"(since {started}); results are not yet complete, ask again later")


class Reprocessor:
    """Watches the operational context and runs ``affected`` for each change (one background thread).

    ``current_context()`` reads the served operational context; ``run(old, new, directory)`` writes a
    complete result into ``directory`` (``crds-batch affected --output``); both are given by the server.
    """

    def __init__(self, results_root: str, current_context: Callable[[], str],
                 run: Callable[[str, str, ClusterOptions, str], None], cluster: ClusterOptions,
                 poll_seconds: float = DEFAULT_POLL_SECONDS):
        self.results_root = results_root
        self._current_context = current_context
        self._run = run
        self._cluster = cluster
        self.poll_seconds = poll_seconds
        self._lock = threading.Lock()
        self._statuses: dict[tuple[str, str], RunStatus] = {}
        self._queue: queue.Queue = queue.Queue()
        self._stopping = threading.Event()
        self._local_cluster = None
        self._seen = self._load_state()
        self._threads: list[threading.Thread] = []

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> None:
        """Record the current context (first start) or queue the change made while stopped; start threads."""
        os.makedirs(self.results_root, exist_ok=True)
        if self._seen is None:
            self._seen = self._current_context()
            self._save_state(self._seen)
        self.check()
        for target, name in ((self._work, "crds-reprocess"), (self._poll, "crds-reprocess-poll")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stopping.set()
        self._queue.put(None)
        if self._local_cluster is not None:
            with contextlib.suppress(Exception):
                self._local_cluster.close()

    # -- seeing changes -------------------------------------------------------------------------------
    def check(self) -> None:
        """Queue ``seen -> current`` if the operational context moved since the last check."""
        try:
            current = self._current_context()
        except (CrdsBatchError, RpcError) as exc:
            log.warning("reprocessing: cannot read the operational context: %s", exc)
            return
        with self._lock:
            old = self._seen
            if old is None or current == old:
                return
            self._seen = current
            self._statuses[(old, current)] = RunStatus(old, current, "queued", time.time())
        log.info("reprocessing: operational context %s -> %s, affected datasets queued", old, current)
        self._queue.put((old, current))

    def status(self, old: str, new: str) -> RunStatus | None:
        """The queued, running or failed run of ``old -> new`` (None: finished or never asked)."""
        with self._lock:
            return self._statuses.get((old, new))

    def _poll(self) -> None:
        while not self._stopping.wait(self.poll_seconds):
            self.check()

    # -- running --------------------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None or self._stopping.is_set():
                return
            old, new = item
            with self._lock:
                self._statuses[(old, new)] = RunStatus(old, new, "running", time.time())
            started = time.monotonic()
            log.info("reprocessing: affected %s -> %s started", old, new)
            try:
                self._run_one(old, new)
            except Exception as exc:  # one line to clients and the log; the server keeps serving
                message = str(exc) if isinstance(exc, CrdsBatchError) else f"{type(exc).__name__}: {exc}"
                log.error("reprocessing: affected %s -> %s failed: %s", old, new, message)
                with self._lock:
                    self._statuses[(old, new)] = RunStatus(old, new, "failed", time.time(), message)
                continue
            with self._lock:
                self._statuses.pop((old, new), None)
                latest = self._seen
            if latest == new:
                self._save_state(new)
            log.info("reprocessing: affected %s -> %s done in %.1fs", old, new, time.monotonic() - started)

    def _run_one(self, old: str, new: str) -> None:
        final = os.path.join(self.results_root, result_name(old, new))
        partial = os.path.join(self.results_root, "." + result_name(old, new) + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        self._run(old, new, self._cluster_options(), partial)
        _fsync_tree(partial)
        retired = os.path.join(self.results_root, "." + result_name(old, new) + ".retired")
        shutil.rmtree(retired, ignore_errors=True)
        if os.path.exists(final):
            os.replace(final, retired)
        os.replace(partial, final)
        _fsync_dir(self.results_root)
        shutil.rmtree(retired, ignore_errors=True)

    def _cluster_options(self) -> ClusterOptions:
        """The cluster given, else a LocalCluster started now (first run) and kept for later runs."""
        options = self._cluster
        if options.synchronous or options.scheduler_address or options.scheduler_file \
                or os.environ.get("DASK_SCHEDULER_ADDRESS"):
            return options
        if self._local_cluster is None:
            from ..batch.cluster import start_local_cluster

            self._local_cluster = start_local_cluster(options)
            log.info("reprocessing: started a LocalCluster, dashboard %s", self._local_cluster.dashboard_link)
        return ClusterOptions(scheduler_address=self._local_cluster.scheduler_address,
                              connect_timeout=options.connect_timeout)

    # -- the persisted record -------------------------------------------------------------------------
    def _load_state(self) -> str | None:
        try:
            with open(os.path.join(self.results_root, STATE_FILE), encoding="utf-8") as handle:
                context = json.load(handle).get("operational_context")
        except (OSError, ValueError, AttributeError):
            return None
        return context if isinstance(context, str) and context else None

    def _save_state(self, context: str) -> None:
        with write_atomically(os.path.join(self.results_root, STATE_FILE)) as handle:
            handle.write(json.dumps({"operational_context": context}, indent=2).encode() + b"\n")


def run_affected_into(store: str, old: str, new: str, cluster: ClusterOptions, directory: str) -> None:
    """``crds-batch affected --old-context OLD --new-context NEW --params STORE --output DIRECTORY``
    in its default mode (as ``crds bestrefs --affected-datasets``)."""
    from ..batch.affected import run_affected
    from ..batch.plan import AffectedRequest
    from ..store import open_params

    request = AffectedRequest(old_context=old, new_context=new)
    with open_params([store]) as source:
        result = run_affected(request, source, cluster, log=lambda message: log.info("reprocessing: %s", message))
    result.write(directory)


def _fsync_tree(directory: str) -> None:
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(directory)


def _fsync_dir(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
