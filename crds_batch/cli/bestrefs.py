"""``crds-batch bestrefs``: best references of dataset files or of CRDS save files.

- ``--files F...``: the astronomer's path, ``crds bestrefs --files`` with
  ``--update-bestrefs`` writing headers (atomically; see crds_batch.files).
- ``--load-pickles X.json...``: the datasets of CRDS saves.

stdout holds what crds prints (``--print-new-references`` lines); errors are
one line each on stderr; exit status 1 when any file or lookup failed.
"""
from __future__ import annotations

import sys

import click

from ..batch.collections_during_tasks import fewer_collections_during_task
from .echo import echo_lines
from .gc_freeze import loaded_objects_frozen
from .main import EXIT_ERRORS, EXIT_OK
from .options import (allow_bad_references_option, allow_bad_rules_option, skip_types_option, split_words,
                      crds_tool_options, types_option)
from .progress import partition_progress, stderr_log


@click.command("bestrefs")
@click.argument("sources", nargs=-1, metavar="FILE...")
@click.option("--files", "files_mode", is_flag=True, help="The FILEs are FITS/ASDF datasets (crds --files).")
@click.option("--load-pickles", "pickles_mode", is_flag=True,
              help="The FILEs are CRDS .json/.pkl saves of dataset parameters (crds --load-pickles).")
@click.option("--new-context", envvar="CRDS_CONTEXT", show_envvar=True,
              help="Context to assign from (.pmap or symbolic; default: the observatory's operational context).")
@click.option("--old-context", help="Compare with this context: only changed assignments are updates.")
@click.option("--compare-source-bestrefs", is_flag=True,
              help="Compare with the assignments recorded in the headers/saves.")
@click.option("--update-bestrefs", is_flag=True, help="Write the new references into the FITS headers (--files).")
@click.option("--print-new-references", is_flag=True, help="Print 'id instrument type old new' per update.")
@types_option
@skip_types_option
@allow_bad_rules_option
@allow_bad_references_option
@click.option("--dump-unique-errors", is_flag=True,
              help="Print the error classes in crds's own line form ('000003 errors like:: ...'), as crds.")
@click.option("--unique-threshold", type=click.IntRange(min=1), default=1, show_default=True,
              help="With --dump-unique-errors, only classes with at least this many errors.")
@click.option("--trust-pickles", is_flag=True, help="Allow .pkl saves (unpickling runs code from the file).")
@click.option("--workers", type=int, default=None, help="Worker processes for reading/writing files (default: CPUs).")
@click.option("--quiet", "-q", is_flag=True, help="No progress or summary on stderr (errors still).")
@crds_tool_options
@click.option("--sync-references", "sync_references", type=int, default=0, is_flag=False, flag_value=1,
              metavar="[1]", help="Fetch the new references into the cache from CRDS_SERVER_URL (crds's switch).")
@fewer_collections_during_task()  # the whole command is one task: the job, then its results' classes and lines
def command(sources, files_mode, pickles_mode, new_context, old_context, compare_source_bestrefs, update_bestrefs,
            print_new_references, types, skip_types, allow_bad_rules, allow_bad_references, dump_unique_errors, unique_threshold,
            trust_pickles, workers, quiet, sync_references):
    """Best references for dataset FILEs (--files) or for the datasets of saves (--load-pickles).

    \b
    crds-batch bestrefs --files *_raw.fits --update-bestrefs
    crds-batch bestrefs --new-context hst_0729.pmap --load-pickles saves.json --print-new-references
    """
    from ..files.bestrefs import FilesRequest, run_files

    if files_mode == pickles_mode:
        raise click.UsageError("give exactly one of --files or --load-pickles, followed by the files")
    if not sources:
        raise click.UsageError("no files given")
    if old_context and compare_source_bestrefs:
        raise click.UsageError("--old-context and --compare-source-bestrefs exclude each other")
    if update_bestrefs and pickles_mode:
        raise click.UsageError("--update-bestrefs writes dataset files: use it with --files")
    request = FilesRequest(
        files=tuple(sources), new_context=new_context, old_context=old_context,
        compare_source=compare_source_bestrefs, types=tuple(split_words(types)),
        skip_types=tuple(split_words(skip_types)), update=update_bestrefs, allow_bad_rules=allow_bad_rules,
        allow_bad_references=allow_bad_references, workers=workers,
    )
    if pickles_mode:
        from ..kept_memory import keep_freed_memory
        from ..files.saves_bestrefs import run_saves

        keep_freed_memory()  # this process evaluates every dataset itself
        with loaded_objects_frozen():
            result = run_saves(sources, request, trust_pickles=trust_pickles)
    else:
        with partition_progress("bestrefs", enabled=not quiet) as progress:
            result = run_files(request, progress=progress)
    if print_new_references:
        _write_text(result.new_reference_text())
    echo_lines(result.messages(), err=True)
    if dump_unique_errors:
        from ..batch.unique_errors import classify

        echo_lines(classify(result.error_frame()).crds_lines(unique_threshold))
    if not quiet:
        _summary(result, files_mode, update_bestrefs)
    synced_ok = _sync_references(result) if sync_references else True
    return EXIT_ERRORS if result.error_count or not synced_ok else EXIT_OK


def _sync_references(result) -> bool:
    """Fetch the new references of the updates (as crds: lower-cased, N/A left out); True if all came."""
    from ..client import CrdsClient
    from ..observatories import observatory_of_name
    from ..sync import fetch_named

    names = sorted(result.new_reference_names() - {"n/a"})
    if not names:
        return True
    observatory = observatory_of_name(result.context.rsplit("/", 1)[-1]).name
    with CrdsClient() as client:
        report = fetch_named(names, client, observatory)
    stderr_log(report.summary())
    return report.ok


def _summary(result, files_mode: bool, update: bool) -> None:
    what = "files" if files_mode else "datasets"
    text = (f"{result.dataset_count} {what}, {result.update_count} new references from {result.context}, "
            f"{result.failed_count} with errors")
    if files_mode:
        written = sum(1 for o in result.outcomes if o.written)
        text += f", {written} files updated" if update else " (dry run: --update-bestrefs writes headers)"
    stderr_log(text)



def _write_text(chunks) -> None:
    """UTF-8 text chunks to stdout as they come (millions of lines: never all of them as Python strings)."""
    stream = sys.stdout
    binary = getattr(stream, "buffer", None)
    if binary is None:  # a text-only stdout (redirected to a StringIO...)
        for chunk in chunks:
            stream.write(bytes(chunk).decode("utf-8"))
        return
    stream.flush()
    for chunk in chunks:
        binary.write(chunk)
    binary.flush()
