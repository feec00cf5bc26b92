"""``crds-batch diff OLD NEW``: logical differences of two contexts, or of two reference files (as `crds diff`)."""
from __future__ import annotations

import os

import click

from ..cache import resolve_context
from ..cache.server_config import is_mapping_name
from ..tools.diff import datasets_since_auto, diff_contexts
from ..tools.diff_report import DiffOptions, diff_report
from .options import crds_tool_options

_SHOW_FLAGS = {"new_files": "new-files", "all_new_files": "all-new-files", "affected_instruments": "instruments",
               "affected_types": "types", "affected_modes": "modes"}


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("-i", "--include-header-diffs", is_flag=True, help="Include mapping header differences.")
@click.option("-B", "--hide-boring-diffs", is_flag=True, help="Leave out name, derived_from, sha1sum changes.")
@click.option("-U", "--recurse-added-deleted", is_flag=True,
              help="Also list every file under an added or deleted mapping as added or deleted.")
@click.option("-L", "--lowest-mapping-only", is_flag=True, help="Show only the lowest mapping of each difference.")
@click.option("-E", "--remove-paths", is_flag=True, help="Show mapping names without their paths.")
@click.option("-Q", "--squash-tuples", is_flag=True, help="Show differences as 'a b -- c d -- message' lines.")
@click.option("-F", "--brief", is_flag=True, help="-L -E -B -i together.")
@click.option("-T", "--mapping-text-diffs", is_flag=True, help="Also show 'diff -b -c' of each changed mapping.")
@click.option("-P", "--primitive-diffs", is_flag=True,
              help="Also compare replaced files: nested mappings logically, references with FITSDiff/asdf.")
@click.option("-K", "--check-diffs", is_flag=True,
              help="Warn about new rules, deletions, reversions (exit 2 when warned).")
@click.option("--check-references", is_flag=True,
              help="Warn about references added to or deleted from each changed mapping, whatever their rules "
                   "(exit 2 when warned).")
@click.option("-N", "--print-new-files", "new_files", is_flag=True,
              help="Print the mappings and references of NEW that OLD lacks.")
@click.option("-A", "--print-all-new-files", "all_new_files", is_flag=True,
              help="Print the files new in every context after OLD up to NEW, with instrument and type.")
@click.option("--print-affected-instruments", "affected_instruments", is_flag=True,
              help="Print the instruments the differences touch.")
@click.option("--print-affected-types", "affected_types", is_flag=True,
              help="Print the (instrument, type) pairs the differences touch.")
@click.option("--print-affected-modes", "affected_modes", is_flag=True,
              help="Print the instrument, type and match parameters of each change, counted.")
@click.option("--affected", is_flag=True,
              help="Print the (instrument, type) pairs crds bestrefs --diffs-only uses (header changes count).")
@click.option("--datasets-since", "show_since", is_flag=True,
              help="Print the per-instrument --datasets-since auto dates.")
@click.option("-H", "--hst", "observatory", flag_value="hst", help="Observatory HST (reference files).")
@click.option("-J", "--jwst", "observatory", flag_value="jwst", help="Observatory JWST (reference files).")
@click.option("--roman", "observatory", flag_value="roman", help="Observatory Roman (reference files).")
@crds_tool_options(own={"observatory": None})  # its own -H/-J/--roman
def command(old, new, include_header_diffs, hide_boring_diffs, recurse_added_deleted, lowest_mapping_only,
            remove_paths, squash_tuples, brief, mapping_text_diffs, primitive_diffs, check_diffs, check_references,
            new_files,
            all_new_files, affected_instruments, affected_types, affected_modes, affected, show_since, observatory):
    """Print the differences between OLD and NEW: two mappings (logically, as crds diff prints
    them: each change with its mapping path, match key and use-after date) or two reference files
    (FITSDiff + row diff for FITS, asdf's diff for ASDF, diff -b -c otherwise).

    Mapping names are read from the current directory when there, else the cache; crds://NAME
    always from the cache. Exit status 1 when there are differences, 0 when none, 2 when -K warned
    (as crds diff).
    """
    if affected or show_since:
        result = diff_contexts(resolve_context(old), resolve_context(new))
        if affected:
            for instrument, filekind in result.affected_pairs():
                click.echo("%-10s %-10s" % (instrument, filekind))
            return 1 if result.affected else 0
        for instrument, since in sorted(datasets_since_auto(result).items()):
            click.echo(f"{instrument} {since}")
        return 0
    given = dict(new_files=new_files, all_new_files=all_new_files, affected_instruments=affected_instruments,
                 affected_types=affected_types, affected_modes=affected_modes)
    shows = [value for flag, value in _SHOW_FLAGS.items() if given[flag]]
    if len(shows) > 1:
        raise click.UsageError("give at most one of -N, -A, --print-affected-instruments/-types/-modes")
    options = dict(include_header_diffs=include_header_diffs, hide_boring_diffs=hide_boring_diffs,
                   recurse_added_deleted=recurse_added_deleted, lowest_mapping_only=lowest_mapping_only,
                   remove_paths=remove_paths, squash_tuples=squash_tuples, mapping_text_diffs=mapping_text_diffs,
                   primitive_diffs=primitive_diffs, check_diffs=check_diffs, check_references=check_references,
                   show=shows[0] if shows else "")
    report = diff_report(_locate(old, observatory), _locate(new, observatory),
                         DiffOptions.brief(**options) if brief else DiffOptions(**options))
    click.echo(report.text, nl=False)
    for warning in report.warnings:
        click.echo(f"WARNING: {warning}", err=True)
    return report.status


def _locate(name: str, observatory: str | None) -> str:
    """A mapping as crds-batch reads names users give; a reference: a path or ./name, else the cache."""
    if is_mapping_name(name):
        resolved = resolve_context(name)
        return resolved if os.path.dirname(resolved) else _cache_mapping(resolved)
    if name.startswith("crds://") or not (os.path.dirname(name) or os.path.isfile(name)):
        from ..tools.contexts import pick_observatory
        from ..tools.listing import locate_file

        return locate_file(name.removeprefix("crds://"), pick_observatory(observatory, [name]))
    return os.path.abspath(name)


def _cache_mapping(name: str) -> str:
    from ..cache import locate_mapping

    return locate_mapping(name)
