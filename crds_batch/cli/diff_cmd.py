"""``crds-batch diff OLD NEW``: logical differences between two contexts."""
from __future__ import annotations

import click

from ..cache import resolve_context
from ..tools.diff import datasets_since_auto, diff_contexts


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--affected", is_flag=True,
              help="Print the (instrument, type) pairs the change affects, as crds bestrefs --diffs-only uses them.")
@click.option("--datasets-since", "show_since", is_flag=True,
              help="Print the per-instrument --datasets-since auto dates.")
@click.option("--include-boring", is_flag=True, help="Also print name/derived_from/sha1sum changes.")
def command(old, new, affected, show_since, include_boring):
    """Print the logical differences between context OLD and NEW.

    Exit status 1 when there are differences, 0 when none (as crds diff).
    """
    result = diff_contexts(resolve_context(old), resolve_context(new))
    if affected:
        for instrument, filekind in result.affected_pairs():
            click.echo("%-10s %-10s" % (instrument, filekind))
        return 1 if result.affected else 0
    if show_since:
        for instrument, since in sorted(datasets_since_auto(result).items()):
            click.echo(f"{instrument} {since}")
        return 0
    shown = result.differences if include_boring else result.interesting
    for diff in shown:
        click.echo(" -- ".join([" ".join(pair) for pair in diff.mappings] + [diff.message]))
    return 1 if shown else 0
