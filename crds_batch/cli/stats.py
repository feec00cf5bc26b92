"""``--stats`` of the batch commands: the whole command's time and its job's, as ``STATS:`` lines on stderr
(also with ``--quiet``: asked for by name).

The whole time counts from :func:`mark_command_start` (``main()``'s first step), so that it includes the
imports and the planning that a run's start is made of; the job's line says when its Dask cluster had its
workers and how long its partition tasks took from then (:class:`~crds_batch.batch.timing.JobTiming`).
"""
from __future__ import annotations

import time

import click

from ..batch.timing import JobTiming

_started: list[float] = []


def mark_command_start() -> None:
    """Note that a command starts now (``crds-batch``'s ``main()``)."""
    _started[:] = [time.perf_counter()]


def command_started() -> float:
    """The ``perf_counter`` stamp of the command's start as ``main()`` noted it (else now: called from the
    command itself)."""
    return _started[-1] if _started else time.perf_counter()


def echo_job_stats(timing: JobTiming, started: float) -> None:
    """``STATS: elapsed N.NN s`` since ``started`` and the job's line (:meth:`JobTiming.line`), on stderr."""
    click.echo(f"STATS: elapsed {time.perf_counter() - started:.2f} s", err=True)
    line = timing.line(started)
    if line:
        click.echo(f"STATS: {line}", err=True)
