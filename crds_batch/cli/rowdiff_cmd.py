"""``crds-batch rowdiff OLD NEW``: FITS table differences by rows, as ``crds rowdiff`` prints them."""
from __future__ import annotations

import click

from ..certify.rowdiff import rowdiff_text
from .options import crds_tool_options


def _names(text: str | None) -> list[str]:
    return text.split(",") if text else []


@click.command("rowdiff")
@click.argument("table_a")
@click.argument("table_b")
@click.option("--fields", default=None, metavar="A,B", help="Compare only these columns.")
@click.option("--ignore-fields", default=None, metavar="A,B", help="Compare all columns but these.")
@click.option("--mode-fields", default=None, metavar="A,B",
              help="Compare the tables by mode: the values of these (lower-case) columns.")
@crds_tool_options
def command(table_a, table_b, fields, ignore_fields, mode_fields):
    """Print the row differences of the tables in TABLE_A and TABLE_B (summary, then a unified diff)."""
    if fields and ignore_fields:
        raise click.UsageError("--fields and --ignore-fields cannot both be given.")
    click.echo(rowdiff_text(table_a, table_b, _names(fields), _names(ignore_fields), _names(mode_fields)), nl=False)
    return 0
