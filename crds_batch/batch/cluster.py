"""Connecting to Dask: a LocalCluster by default, or an existing scheduler.

Order, as distributed's own ``Client()``: an explicit ``--scheduler-address``,
then ``--scheduler-file`` (the HPC way), then ``DASK_SCHEDULER_ADDRESS``;
otherwise a LocalCluster of worker processes (one per core, one thread each)
is started for the job and closed after it. A job given none of these (and no
``--workers``) that is smaller than the ``cluster-threshold`` setting runs in
this process instead (:func:`for_job_size`): starting a LocalCluster costs more
than it saves below that size (docs/performance.md).
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import dataclasses
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import CrdsBatchError
from .closing import close_later


class ClusterError(CrdsBatchError):
    """The Dask scheduler could not be reached or started."""


@dataclass(frozen=True)
class ClusterOptions:
    scheduler_address: str | None = None
    scheduler_file: str | None = None
    n_workers: int | None = None
    threads_per_worker: int = 1
    memory_limit: str | None = None
    connect_timeout: float = 10.0
    #: True: run in this process with the synchronous scheduler (tests, tiny inputs).
    synchronous: bool = False


@contextlib.contextmanager
def dask_client(options: ClusterOptions, log: Callable[[str], None] = lambda message: None) -> Iterator:
    """Yield a ``distributed.Client`` (or None in synchronous mode), closed afterwards."""
    if options.synchronous:
        import dask

        with dask.config.set(scheduler="synchronous"):
            yield None
        return
    from distributed import Client

    address = scheduler_address(options)
    if address or options.scheduler_file:
        where = address or f"scheduler file {options.scheduler_file}"
        probe_scheduler(address or scheduler_file_address(options.scheduler_file), options.connect_timeout)
        try:
            client = Client(address, scheduler_file=options.scheduler_file if not address else None,
                            timeout=options.connect_timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise ClusterError(f"Cannot reach the Dask scheduler at {where}: {exc}") from None
        log(f"Connected to Dask scheduler {client.scheduler.address}; dashboard: {client.dashboard_link}")
        try:
            yield client
        finally:
            client.close()
        return
    started = time.perf_counter()
    cluster = start_local_cluster(options)
    client = Client(cluster, set_as_default=False)
    log(f"Started LocalCluster with {len(cluster.workers)} worker processes in {time.perf_counter() - started:.1f} s; "
        f"dashboard: {client.dashboard_link}")
    try:
        yield client
    finally:
        client.close()
        close_later(cluster.close)  # in the background within a command (see .closing)


def scheduler_address(options: ClusterOptions) -> str | None:
    """The existing scheduler to connect to, if any (None with a scheduler file or for a LocalCluster)."""
    import dask.config

    # As distributed's Client(): the option, then DASK_SCHEDULER_ADDRESS / the Dask config's
    # scheduler-address (configs/existing-scheduler.yaml).
    if options.scheduler_address is None and options.scheduler_file:
        return None
    return (options.scheduler_address or os.environ.get("DASK_SCHEDULER_ADDRESS")
            or dask.config.get("scheduler-address", None) or None)


#: Setting (Dask config ``crds_batch.cluster-threshold``, DASK_CRDS_BATCH__CLUSTER_THRESHOLD): datasets below
#: which a job given no cluster option runs in this process; 0 always starts a LocalCluster.
CLUSTER_THRESHOLD = "cluster-threshold"


def cluster_requested(options: ClusterOptions) -> bool:
    """True when the user chose where to run: ``--workers``, ``--no-cluster``, a scheduler address (option,
    DASK_SCHEDULER_ADDRESS or the Dask config) or a scheduler file."""
    return bool(options.synchronous or options.n_workers or options.scheduler_file or scheduler_address(options))


def for_job_size(options: ClusterOptions, datasets: int,
                 log: Callable[[str], None] = lambda message: None) -> ClusterOptions:
    """``options``, or in-process ones (with a logged line saying so) when no cluster was asked for and the
    job's ``datasets`` are fewer than the ``cluster-threshold`` setting."""
    from .. import settings

    if cluster_requested(options):
        return options
    threshold = settings.get_int(CLUSTER_THRESHOLD, 0, minimum=0)
    if datasets >= threshold:
        return options
    log(f"Running in this process: {datasets:,} datasets is below the cluster threshold ({threshold:,}, "
        "setting crds_batch.cluster-threshold); --workers N to start a LocalCluster")
    return dataclasses.replace(options, synchronous=True)


def workers_share_files(options: ClusterOptions) -> bool:
    """True when the job's workers run on this machine (in-process or a LocalCluster), so see its files."""
    return options.synchronous or not (options.scheduler_file or scheduler_address(options))


def start_local_cluster(options: ClusterOptions):
    """A LocalCluster of worker processes (``options.n_workers``, default one per core); ClusterError if it
    cannot start. The caller closes it."""
    from distributed import LocalCluster

    import dask.config

    from .worker_start import start_worker_server, worker_start_method

    n_workers = options.n_workers or os.cpu_count() or 1
    worker_environ = local_worker_environ()
    config: dict = {**local_cluster_config(),
                    **{f"distributed.nanny.pre-spawn-environ.{name}": value for name, value in worker_environ.items()}}
    try:
        if worker_start_method() == "forkserver":
            start_worker_server(worker_environ)  # already running if the command started it early
            config["distributed.worker.multiprocessing-method"] = "forkserver"
        with dask.config.set(config):
            return LocalCluster(
                n_workers=n_workers,
                threads_per_worker=options.threads_per_worker,
                processes=True,
                memory_limit=options.memory_limit or "auto",
                dashboard_address=":0",
            )
    except CrdsBatchError:
        raise
    except Exception as exc:  # a LocalCluster that cannot start is an environment fault, one line
        raise ClusterError(f"Cannot start a local Dask cluster: {exc}") from None


def local_cluster_config() -> dict[str, Any]:
    """The Dask settings of the LocalCluster crds-batch starts (setting ``local-cluster-config``: dotted Dask keys
    and their values, applied over the others while the cluster starts; its workers get them from their
    nannies)."""
    from .. import settings
    from ..settings import SettingsError

    found = settings.get("local-cluster-config") or {}
    if not isinstance(found, Mapping) or not all(isinstance(key, str) and key for key in found):
        raise SettingsError("Setting crds_batch.local-cluster-config (Dask config or "
                            f"DASK_CRDS_BATCH__LOCAL_CLUSTER_CONFIG) must map Dask setting names to values, not {found!r}")
    return dict(found)


def local_worker_environ() -> dict[str, str | None]:
    """The environment of the LocalCluster's worker processes (None: unset).

    The workers live as long as the job: they keep freed memory (kept_memory.kept_memory_environ), which
    replaces distributed's MALLOC_TRIM_THRESHOLD_=65536; the local-worker-environ setting overrides per name.
    """
    from .. import settings
    from ..kept_memory import kept_memory_environ

    return {**kept_memory_environ(), **(settings.get("local-worker-environ") or {})}


def prepare_local_workers(options: ClusterOptions, datasets: int) -> None:
    """Start the worker processes' fork server now (:mod:`.worker_start`) when a job of at most ``datasets``
    will start a LocalCluster with ``options`` (not in-process, not on an existing scheduler), so that its
    imports overlap the job's planning."""
    from .worker_start import start_worker_server, worker_start_method

    if options.synchronous or options.scheduler_file or scheduler_address(options):
        return
    if for_job_size(options, datasets).synchronous or worker_start_method() != "forkserver":
        return
    try:
        start_worker_server(local_worker_environ())
    except (OSError, RuntimeError, ValueError):
        return  # only an early start: start_local_cluster tries again and reports what fails, in one line


def scheduler_file_address(path: str) -> str:
    """The address a scheduler wrote into its ``--scheduler-file`` (JSON with an ``address`` key)."""
    try:
        with open(path) as handle:
            address = json.load(handle)["address"]
    except OSError as exc:
        raise ClusterError(f"Cannot read scheduler file {path}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError):
        raise ClusterError(f"Scheduler file {path} is not a Dask scheduler file (no 'address')") from None
    if not isinstance(address, str):
        raise ClusterError(f"Scheduler file {path} is not a Dask scheduler file (no 'address')")
    return address


def probe_scheduler(address: str, timeout: float) -> None:
    """Refuse, in one line and within ``timeout`` seconds, an address that is not a live Dask scheduler.

    ``distributed.Client`` bounds the TCP connect but not the handshake that follows, so a server that
    accepts connections and never answers (not Dask) would hang the job; unknown schemes and TLS
    without TLS settings fail inside the client with tracebacks. The probe connects and shakes hands
    with the scheduler itself, under one deadline, before any client is made.
    """
    from distributed.comm import connect
    from distributed.comm.addressing import parse_address
    from distributed.comm.registry import get_backend
    from distributed.security import Security

    scheme, location = parse_address(address)  # no scheme: distributed's default (tcp), as Client
    if not location or location.startswith(":") or location.endswith(":"):
        raise ClusterError(f"Not a Dask scheduler address: {address!r} (expected e.g. tcp://host:8786)")
    try:
        get_backend(scheme)
    except ValueError:
        raise ClusterError(f"Not a Dask scheduler address: {address!r} (unknown scheme {scheme!r})") from None
    if scheme == "inproc":
        raise ClusterError(f"Not a Dask scheduler address: {address!r} (inproc:// is only inside one process)")
    connection_args = Security().get_connection_args("client")
    if scheme == "tls" and connection_args.get("ssl_context") is None:
        raise ClusterError(f"Cannot reach the Dask scheduler at {address}: tls:// needs TLS settings "
                           "(distributed.comm.tls in the Dask config)")

    async def handshake() -> None:
        comm = await connect(address, timeout=timeout, **connection_args)
        await comm.close()

    try:
        asyncio.run(asyncio.wait_for(handshake(), timeout))
    except (TimeoutError, asyncio.TimeoutError):
        raise ClusterError(f"Cannot reach the Dask scheduler at {address}: "
                           f"no Dask handshake within {timeout:g} s") from None
    except (OSError, ValueError, TypeError) as exc:
        raise ClusterError(f"Cannot reach the Dask scheduler at {address}: {exc}") from None
