"""Progress and messages on stderr for long batch work (rich), keeping stdout for results."""
from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .. import settings


def stderr_log(message: str) -> None:
    click.echo(message, err=True)


@contextlib.contextmanager
def partition_progress(description: str, enabled: bool = True) -> Iterator:
    """Yield a ``progress(done, total)`` callback drawing a bar on stderr once work lasts a moment."""
    console = Console(stderr=True)
    delay = settings.get_float("progress-after-seconds", 2.0)
    started = time.monotonic()
    bar = Progress(TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=console, transient=False)
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
