"""What the shared crds tool flags (:func:`crds_batch.cli.options.crds_tool_options`) do while a command runs.

- ``--verbose``/``--verbosity N``: the ``crds_batch`` loggers log at DEBUG (else WARNING) on stderr.
- ``--log-time``: log lines start with the date and time.
- ``-R``: ``CRDS_READONLY_CACHE=1`` for the run, as crds sets it (the commands using these flags only
  read the cache; ``list --status`` reports the setting).
- ``-J``/``-H``/``--roman``: ``CRDS_OBSERVATORY`` for the run (default contexts, header conventions).
- ``--stats``: ``STATS: elapsed N.NN s`` on stderr when the command ends.
- ``-I``: kept in :func:`current` for commands that download (``sync`` fetches every file again).
- Commands that print their own log lines stamp them with :func:`stamped`.
Environment changes are undone when the command returns (tests run commands in-process).
"""
from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click

from ..settings import environment

#: ToolSettings field -> the click parameter holding it (names a command's own options do not use).
TOOL_OPTION_NAMES = {"verbose": "verbose", "verbosity": "verbosity", "readonly_cache": "readonly_cache",
                     "ignore_cache": "ignore_cache", "observatory": "forced_observatory", "stats": "stats",
                     "log_time": "log_time"}

#: crds's --verbose is verbosity 50.
VERBOSE_LEVEL = 50

_current: list[ToolSettings] = []


@dataclass(frozen=True)
class ToolSettings:
    verbose: bool = False
    verbosity: int = 0
    readonly_cache: bool = False
    ignore_cache: bool = False
    observatory: str | None = None
    stats: bool = False
    log_time: bool = False

    @property
    def level(self) -> int:
        return max(self.verbosity, VERBOSE_LEVEL if self.verbose else 0)


def current() -> ToolSettings:
    """The settings of the running command (defaults outside one)."""
    return _current[-1] if _current else ToolSettings()


def print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from .. import __version__

    click.echo(f"crds-batch, version {__version__}")
    ctx.exit(0)


@contextmanager
def tool_settings_applied(settings: ToolSettings) -> Iterator[ToolSettings]:
    started = time.perf_counter()
    environ = {}
    if settings.readonly_cache:
        environ["CRDS_READONLY_CACHE"] = "1"
    if settings.observatory:
        environ["CRDS_OBSERVATORY"] = settings.observatory
    logger = logging.getLogger("crds_batch")
    handler = _log_handler(settings)
    old_level = logger.level
    try:
        with environment(environ):
            if handler is not None:
                logger.addHandler(handler)
                logger.setLevel(logging.DEBUG if settings.level > 0 else logging.INFO)
            _current.append(settings)
            try:
                yield settings
            finally:
                _current.pop()
                if handler is not None:
                    logger.removeHandler(handler)
                    logger.setLevel(old_level)
    finally:
        if settings.stats:
            click.echo(stamped(f"STATS: elapsed {time.perf_counter() - started:.2f} s", settings), err=True)


def stamped(line: str, settings: ToolSettings | None = None) -> str:
    """``line``, after the date and time when ``--log-time`` is on (commands that print their own lines)."""
    settings = current() if settings is None else settings
    return time.strftime("%Y-%m-%d %H:%M:%S ") + line if settings.log_time else line


def _log_handler(settings: ToolSettings) -> logging.Handler | None:
    """A stderr handler when the flags ask for more (or timed) log lines; None leaves logging alone."""
    if settings.level <= 0 and not settings.log_time:
        return None
    handler = logging.StreamHandler(sys.stderr)
    fmt = "%(levelname)s: %(message)s"
    handler.setFormatter(logging.Formatter(("%(asctime)s " + fmt) if settings.log_time else fmt))
    return handler
