"""Rendering what could not be read from --params files: one ERROR line each, counted as errors."""
from __future__ import annotations

import click

from ..store import input_problems


def echo_input_problems(store) -> int:
    """Print the store's input problems (save lines, datasets that could not be read); return how many."""
    lines, total = input_problems(store)
    for line in lines:
        click.echo(f"ERROR: {line}", err=True)
    if total > len(lines):
        click.echo(f"ERROR: ... and {total - len(lines)} more input problems", err=True)
    return total
