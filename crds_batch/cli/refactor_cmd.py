"""``crds-batch refactor insert|delete OLD_RMAP NEW_RMAP REFERENCE...`` (crds refactor)."""
from __future__ import annotations

import click

from .options import crds_tool_options


@click.command("refactor")
@click.argument("action", type=click.Choice(["insert", "delete"]))
@click.argument("old_rmap", type=click.Path(exists=True, dir_okay=False))
@click.argument("new_rmap", type=click.Path(dir_okay=False))
@click.argument("references", nargs=-1, required=True, metavar="REFERENCE...")
@crds_tool_options
def command(action, old_rmap, new_rmap, references):
    """Write NEW_RMAP: OLD_RMAP with REFERENCEs inserted (by their headers' match parameters and
    USEAFTER) or deleted, derived_from set and a fresh sha1sum, as crds refactor does.

    insert makes the match values as crds does (HST wildcards such as ANY expanded
    by crds's substitutions, irrelevant parameters N/A), into any selector kinds;
    a new Match case overlapping an existing one is a warning (HST) or refused
    (JWST, Roman). Exit 1 when two REFERENCEs match identically (NEW_RMAP still written).

    \b
    crds-batch refactor insert hst_acs_idctab_0255.rmap ./hst_acs_idctab_0256.rmap new_idc.fits
    crds-batch refactor delete hst_acs_idctab_0255.rmap ./hst_acs_idctab_0256.rmap p7d1548qj_idc.fits
    """
    from ..tools.refactor import delete_references, insert_references

    if action == "delete":
        for line in delete_references(old_rmap, new_rmap, list(references)):
            click.echo(f"INFO: {line}", err=True)
        return 0
    report = insert_references(old_rmap, new_rmap, list(references))
    for prefix, lines in (("INFO", report.infos), ("WARNING", report.warnings), ("ERROR", report.errors)):
        for line in lines:
            click.echo(f"{prefix}: {line}", err=True)
    return 1 if report.errors else 0
