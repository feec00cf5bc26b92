"""Many output lines written at once: one ``click.echo`` per line costs ~2.5 us each (its tty and ANSI checks),
0.17 CPU-s for check-context's 73k lines on 1M datasets; joined, 0.02 s."""
from __future__ import annotations

from collections.abc import Sequence

import click


def echo_lines(lines: Sequence[str], err: bool = False) -> None:
    """All ``lines`` in one write, each ending with a newline (nothing for no lines), as line-by-line echoes print
    them."""
    if lines:
        click.echo("\n".join(lines), err=err)
