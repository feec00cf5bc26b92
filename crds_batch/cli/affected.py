"""``crds-batch affected``: datasets whose best references change between two contexts."""
from __future__ import annotations

import contextlib
import sys
import time

import click

from ..batch.affected import run_affected
from ..batch.keep_new import run_affected_keeping
from ..batch.closing import closing_in_background
from ..batch.cluster import workers_share_files
from ..batch.parts import result_parts
from ..batch.compare import CompareOptions
from ..batch.plan import AffectedRequest
from ..batch.timing import JobTiming
from .echo import echo_lines
from .inputs import job_inputs, server_params_options
from .cluster_options import cluster_from_options, cluster_options
from .main import EXIT_ERRORS, EXIT_OK
from .options import (WordsOption, allow_bad_references_option, allow_bad_rules_option, params_option, skip_types_option,
                      instrument_names, split_words, types_option)
from .progress import partition_progress, stderr_log
from .stats import command_started, echo_job_stats
from .summary import echo_dataset_failures, render_summary


@click.command("affected")
@click.option("--old-context", required=True, help="The context in use now (.pmap name or symbolic).")
@click.option("--new-context", required=True, envvar="CRDS_CONTEXT", show_envvar=True,
              help="The context being delivered (.pmap name or symbolic).")
@params_option(required=False)
@server_params_options
@click.option("--diffs-only/--all-types", default=True, show_default=True,
              help="Compare only the (instrument, type) pairs the context diff changes, as crds --diffs-only; "
                   "--all-types compares every type of every dataset, as plain crds bestrefs.")
@click.option("--datasets-since", default=None, metavar="auto|DATE|none",
              help="Skip datasets observed before DATE; auto (default with --diffs-only) derives per-instrument "
                   "dates from the references the new context adds or drops; none keeps all.")
@click.option("--instruments", cls=WordsOption, multiple=True, metavar="NAME...",
              help="Only these instruments (without --params: their datasets, from the CRDS server).")
@click.option("--only-ids", multiple=True, metavar="IDS", help="Only these dataset ids (@FILE: one a line).")
@click.option("--drop-ids", multiple=True, metavar="IDS", help="Skip these dataset ids (@FILE: one a line).")
@types_option
@skip_types_option
@click.option("--undefined-differences-matter", is_flag=True,
              help="A lookup that finds no match is an error, not N/A.")
@click.option("--na-differences-matter", is_flag=True,
              help="With --differences-are-errors, changes to or from N/A count too.")
@click.option("--differences-are-errors", is_flag=True, help="Every change is an error (regression testing).")
@click.option("--affected-datasets", "affected_bundle", is_flag=True,
              help="crds's bundle: --diffs-only --datasets-since=auto --undefined-differences-matter "
                   "--na-differences-matter --print-update-counts --print-affected.")
@click.option("--print-affected", is_flag=True, help="Print affected product ids, one a line (the default output).")
@click.option("--print-affected-details", is_flag=True, help="Print 'id instrument types...' per affected dataset.")
@click.option("--print-new-references", is_flag=True, help="Print 'id instrument type old new' per update.")
@click.option("--print-update-counts", is_flag=True, help="Print updated exposure counts per instrument and type.")
@allow_bad_rules_option
@allow_bad_references_option
@click.option("--output", type=click.Path(file_okay=False), metavar="DIR",
              help="Write changes.parquet, errors.parquet, update_counts.json, summary.json, affected.txt.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), metavar="FILE.html",
              help="Write a self-contained HTML report: summary, error classes and plots.")
@click.option("--evaluate-old", is_flag=True,
              help="Evaluate the old context even when the store keeps its results (crds-batch keep-results).")
@click.option("--keep-new-results", is_flag=True,
              help="Keep the new context's results in the --params store as the job evaluates them (what "
                   "crds-batch keep-results NEW keeps): the next delivery's affected from it evaluates only what "
                   "that one changes.")
@click.option("--quiet", "-q", is_flag=True, help="No summary or progress on stderr.")
@click.option("--stats", is_flag=True,
              help="Print the elapsed time, when the Dask cluster had its workers and how long the partition tasks "
                   "took, as STATS: lines on stderr (also with --quiet).")
@cluster_options
def command(old_context, new_context, params, trust_pickles, server_url, server_datasets, diffs_only, datasets_since,
            instruments, only_ids, drop_ids, types, skip_types, undefined_differences_matter, na_differences_matter, differences_are_errors,
            affected_bundle, print_affected, print_affected_details, print_new_references, print_update_counts,
            allow_bad_rules, allow_bad_references, output, report_path, evaluate_old, keep_new_results, quiet, stats,
            **cluster):
    """Find the datasets whose best references change from OLD to NEW context.

    Prints the affected product ids on stdout exactly as `crds bestrefs
    --print-affected` does; a summary, the dashboard link and progress go to
    stderr. Exit status 1 when lookups failed (as crds), 0 otherwise.
    """
    from ..store.layout import is_store
    from ..store.selection import parse_ids

    if affected_bundle:
        diffs_only = True
        undefined_differences_matter = na_differences_matter = True
        print_update_counts = print_affected = True
    if datasets_since is None:
        datasets_since = "auto" if diffs_only else "none"
    if not (print_affected or print_affected_details or print_new_references or print_update_counts):
        print_affected = True
    log = (lambda message: None) if quiet else stderr_log
    if keep_new_results and not (len(params) == 1 and is_store(params[0])):
        raise click.UsageError("--keep-new-results keeps the results in a parameter store: give --params STORE_DIR")
    started = time.monotonic()
    command_start = command_started()
    timing = JobTiming()
    request = AffectedRequest(
        old_context=old_context,
        new_context=new_context,
        diffs_only=diffs_only,
        datasets_since=datasets_since,
        types=tuple(split_words(types)),
        instruments=instrument_names(instruments) or None,
        skip_types=tuple(split_words(skip_types)),
        only_ids=tuple(parse_ids(only_ids)) if only_ids else None,
        drop_ids=tuple(parse_ids(drop_ids) or ()),
        compare=CompareOptions(undefined_differences_matter, na_differences_matter, differences_are_errors),
        allow_bad_rules=allow_bad_rules,
        allow_bad_references=allow_bad_references,
        evaluate_old=evaluate_old,
    )
    options = cluster_from_options(**cluster)
    # The LocalCluster closes while the results are printed and written (batch/closing.py).
    with _parts(options, output, changes=bool(output or report_path or print_affected_details),
                lines=print_new_references) as parts, closing_in_background():
        with job_inputs(params, trust_pickles, server_url=server_url, instruments=instruments,
                        datasets=server_datasets, context=new_context, quiet=quiet) as (source, input_errors), \
                partition_progress("affected", enabled=not quiet) as progress:
            if keep_new_results:
                result, kept = run_affected_keeping(request, source, params[0], options, log=log, progress=progress,
                                                    parts=parts, timing=timing)
            else:
                result = run_affected(request, source, options, log=log, progress=progress, parts=parts, timing=timing)
        if print_new_references:
            _echo_chunks(result.new_reference_chunks())
        if print_affected_details:
            echo_lines(result.affected_detail_lines())
        if print_update_counts:
            for instrument, kinds in result.update_counts().items():
                for filekind, count in kinds.items():
                    click.echo(f"updated {instrument} {filekind} {count}", err=True)  # crds logs these
        if print_affected:
            _echo_chunks(result.affected_product_chunks())
        if output:
            result.write(output)
        if report_path:
            from ..report import write_report

            report_path = write_report(result, report_path, seconds=time.monotonic() - started)
        if not quiet:  # while the parts exist (its most common errors read them)
            echo_dataset_failures(result.error_totals())
            render_summary(result, time.monotonic() - started, output)
    if report_path:
        log(f"Report written to {report_path}")
    if keep_new_results:
        log(f"Kept the results of {kept.context} for {kept.datasets} datasets in {params[0]}")
    if stats:
        echo_job_stats(timing, command_start)
    return EXIT_ERRORS if result.error_count or input_errors else EXIT_OK


def _parts(options, output: str | None, *, changes: bool, lines: bool):
    """Per-partition result parts when the workers share this machine's files (else results are gathered)."""
    if not workers_share_files(options):
        return contextlib.nullcontext(None)
    return result_parts(output, changes=changes, lines=lines)


def _echo_chunks(chunks) -> None:
    """Write UTF-8 text chunks (whole lines) to stdout as they come (a large run prints millions of lines)."""
    binary = getattr(sys.stdout, "buffer", None)
    if binary is None:  # a text-only stdout (redirected in-process)
        for chunk in chunks:
            click.echo(bytes(chunk).decode("utf-8"), nl=False)
        return
    sys.stdout.flush()
    for chunk in chunks:
        binary.write(chunk)
    binary.flush()
