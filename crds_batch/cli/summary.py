"""A one-screen summary of a batch run, on stderr."""
from __future__ import annotations

import click

from ..batch.unique_errors import most_common


def render_summary(result, seconds: float, output: str | None = None) -> None:
    summary = result.summary()
    lines = [
        f"{summary['old_context']} -> {summary['new_context']}",
        f"  affected types     {len(summary['affected_types'])}: " + ", ".join(summary["affected_types"][:12])
        + (" ..." if len(summary["affected_types"]) > 12 else ""),
        f"  datasets processed {summary['datasets_processed']:,}",
        *([f"  datasets           {result.counts.line()}"] if result.counts is not None else []),
        f"  datasets affected  {summary['datasets_affected']:,} ({summary['products_affected']:,} products)",
        f"  updates            {summary['updates']:,}",
        f"  errors             {summary['errors']:,}   warnings {summary['warnings']:,}",
        f"  time               {seconds:.1f} s"
        + (f"  ({summary['datasets_processed'] / seconds:,.0f} datasets/s)" if seconds > 0 else ""),
    ]
    common = most_common(result.all_errors(), 5)
    if common:
        lines.append("  most common errors:")
        for (instrument, filekind, message), count in common:
            lines.append(f"    {count:6d}  {instrument} {filekind}: {message[:90]}")
    if output:
        lines.append(f"  results in         {output}")
    click.echo("\n".join(lines), err=True)


#: Dataset failures listed on stderr before the rest are only counted.
MAX_FAILURES_SHOWN = 50


def echo_dataset_failures(unique) -> None:
    """The datasets that failed as a whole, one line each as crds logs them (``Failed processing ...``), on stderr."""
    failures = list(unique.dataset_failures)
    for dataset_id, message in failures[:MAX_FAILURES_SHOWN]:
        click.echo(f"{dataset_id!r}: {message}", err=True)
    if len(failures) > MAX_FAILURES_SHOWN:
        click.echo(f"... and {len(failures) - MAX_FAILURES_SHOWN:,} more failed datasets (see --output/--report)",
                   err=True)
