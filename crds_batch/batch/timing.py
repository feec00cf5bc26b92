"""When a batch job's partitions ran: what ``--stats`` reports of a job, beside its whole time.

A job on a LocalCluster spends its first second starting: this process imports and plans while the workers'
fork server imports (:mod:`.worker_start`), then the workers start. :func:`~.graph.run_partitions` stamps the
moment its cluster has its workers and the moment the last partition's result is in, so a run can tell
its start from its work (and two runs on 1 and 2 workers can be compared on their work alone).
"""
from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class JobTiming:
    """``time.perf_counter()`` stamps of one run of partitions (None: not reached)."""

    workers: int = 0  #: the Dask workers that ran the partitions (0: this process ran them)
    partitions: int = 0
    ready: float | None = None  #: the cluster had its workers (in this process: the first partition began)
    finished: float | None = None  #: the last partition's result was in

    def mark_ready(self, workers: int, partitions: int) -> None:
        self.workers, self.partitions, self.ready = workers, partitions, time.perf_counter()

    def mark_finished(self) -> None:
        self.finished = time.perf_counter()

    def line(self, started: float) -> str | None:
        """``N partitions on a Dask cluster of W workers: ready after R s, tasks T s`` (R from ``started``, a
        ``perf_counter`` stamp), or None when no partition ran."""
        if self.ready is None or self.finished is None:
            return None
        tasks = f"tasks {self.finished - self.ready:.2f} s"
        if not self.workers:
            return f"{self.partitions} partitions in this process: first after {self.ready - started:.2f} s, {tasks}"
        return (f"{self.partitions} partitions on a Dask cluster of {self.workers} workers: ready after "
                f"{self.ready - started:.2f} s, {tasks}")
