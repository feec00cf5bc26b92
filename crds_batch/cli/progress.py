"""Progress and messages on stderr for long batch work (rich), keeping stdout for results."""
from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from .. import settings


def stderr_log(message: str) -> None:
    click.echo(message, err=True)


class RateColumn(ProgressColumn):
    """Items per second over the whole run so far (``1,234 datasets/s``)."""

    def __init__(self, unit: str):
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed
        rate = task.completed / elapsed if elapsed else 0.0
        return Text(f"{rate:,.0f} {self.unit}/s", style="progress.data.speed")


@contextlib.contextmanager
def partition_progress(description: str, enabled: bool = True, rate_unit: str | None = None) -> Iterator:
    """Yield a ``progress(done, total)`` callback drawing a bar on stderr once work lasts a moment
    (with ``rate_unit``, also the rate: ``N <rate_unit>/s``)."""
    console = Console(stderr=True)
    delay = settings.get_float("progress-after-seconds", 2.0)
    started = time.monotonic()
    columns = [TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    if rate_unit:
        columns.append(RateColumn(rate_unit))
    bar = Progress(*columns, console=console, transient=False)
    state = {"task": None, "shown": False}

    def update(done: int, total: int) -> None:
        if not enabled:
            return
        if not state["shown"] and (time.monotonic() - started >= delay or done == 0):
            bar.start()
            state["task"] = bar.add_task(description, total=total)
            state["shown"] = True
        if state["shown"]:
            bar.update(state["task"], completed=done, total=total)

    try:
        yield update
    finally:
        if state["shown"]:
            bar.stop()
