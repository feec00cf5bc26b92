"""``crds-batch check-context``: which classes of errors a context still gives on known datasets."""
from __future__ import annotations

import time

import click

from ..batch.check import CheckRequest, run_check
from ..batch.collections_during_tasks import fewer_collections_during_task
from ..batch.compare import CompareOptions
from ..batch.timing import JobTiming
from ..kept_memory import keep_freed_memory
from .cluster_options import cluster_from_options, cluster_options
from .echo import echo_lines
from .gc_freeze import loaded_objects_frozen
from .inputs import job_inputs, server_params_options
from .main import EXIT_ERRORS, EXIT_OK
from .options import (WordsOption, allow_bad_references_option, allow_bad_rules_option, params_option, skip_types_option,
                      instrument_names, split_words, types_option)
from .progress import partition_progress, stderr_log
from .stats import command_started, echo_job_stats
from .summary import echo_dataset_failures


@click.command("check-context")
@click.option("--new-context", required=True, envvar="CRDS_CONTEXT", show_envvar=True,
              help="The context to check (.pmap name or symbolic).")
@params_option(required=False)
@server_params_options
@click.option("--instruments", cls=WordsOption, multiple=True, metavar="NAME...",
              help="Only these instruments (without --params: their datasets, from the CRDS server).")
@click.option("--only-ids", multiple=True, metavar="IDS", help="Only these dataset ids (@FILE: one a line).")
@click.option("--drop-ids", multiple=True, metavar="IDS", help="Skip these dataset ids (@FILE: one a line).")
@click.option("--datasets-since", default=None, metavar="DATE", help="Skip datasets observed before DATE.")
@types_option
@skip_types_option
@click.option("--compare-source-bestrefs", "-c", "compare_source", is_flag=True,
              help="Compare the new results with the assignments recorded in the parameters (DARKFILE, R_DARK...).")
@click.option("--undefined-differences-matter/--undefined-differences-ok", default=True, show_default=True,
              help="A lookup that finds no match is an error, not N/A (part of crds's --check-context).")
@click.option("--na-differences-matter/--na-differences-ok", default=True, show_default=True,
              help="With --differences-are-errors, changes to or from N/A count too (part of crds's "
                   "--check-context).")
@click.option("--differences-are-errors", is_flag=True,
              help="With --compare-source-bestrefs, every difference is an error (regression testing).")
@click.option("--print-new-references", is_flag=True,
              help="With --compare-source-bestrefs, print 'id instrument type old new' per update (as crds).")
@click.option("--dump-unique-errors", is_flag=True,
              help="Print the error classes in crds's own line form ('000003 errors like:: ...').")
@click.option("--unique-threshold", type=click.IntRange(min=1), default=1, show_default=True,
              help="Only list error classes with at least this many errors.")
@click.option("--stats", is_flag=True,
              help="Print datasets, errors and rate on stderr (also with --quiet), and as STATS: lines the elapsed "
                   "time, when the Dask cluster had its workers and how long the partition tasks took.")
@click.option("--update-pickle", is_flag=True,
              help="With --save-pickle, record the new results (every type, by type name) in the saved parameters.")
@click.option("--save-pickle", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the processed datasets' parameters to a .json (or .pkl) save.")
@allow_bad_rules_option
@allow_bad_references_option
@click.option("--report", "report_path", type=click.Path(dir_okay=False), metavar="FILE.html",
              help="Write a self-contained HTML report: summary, error classes and plots.")
@click.option("--output", type=click.Path(file_okay=False), metavar="DIR",
              help="Write changes.parquet, errors.parquet, error_classes.csv, summary.json.")
@click.option("--quiet", "-q", is_flag=True, help="No progress or messages on stderr.")
@cluster_options
@fewer_collections_during_task()  # the whole command is one task: the job, then its results' classes and lines
def command(new_context, params, trust_pickles, server_url, server_datasets, instruments, only_ids, drop_ids, datasets_since, types, skip_types,
            compare_source, undefined_differences_matter, na_differences_matter, differences_are_errors,
            print_new_references, dump_unique_errors, unique_threshold, stats, update_pickle, save_pickle,
            allow_bad_rules, allow_bad_references, report_path, output, quiet, **cluster):
    """Best references of NEW context for every dataset; errors grouped into classes.

    Without flags this is `crds bestrefs --check-context`: its bundle
    (--undefined-differences-matter --na-differences-matter, error classes
    and stats) applies by default; narrow it with --undefined-differences-ok
    and --na-differences-ok. A class is (instrument, type, message) with the
    dataset id factored out, as crds bestrefs --dump-unique-errors groups
    errors; each comes with its count and example ids (--dump-unique-errors
    prints crds's own lines). Exit status 1 when errors remain, 0 otherwise.
    """
    from ..store.selection import parse_ids

    if (differences_are_errors or print_new_references) and not compare_source:
        raise click.UsageError("--differences-are-errors and --print-new-references need --compare-source-bestrefs.")
    if update_pickle and not save_pickle:
        raise click.UsageError("--update-pickle needs --save-pickle FILE.")
    log = (lambda message: None) if quiet else stderr_log
    keep_freed_memory()  # the job runs in this process (below the cluster threshold) or gathers here
    started = time.monotonic()
    command_start = command_started()
    timing = JobTiming()
    request = CheckRequest(
        new_context=new_context,
        types=tuple(split_words(types)),
        skip_types=tuple(split_words(skip_types)),
        instruments=instrument_names(instruments) or None,
        only_ids=tuple(parse_ids(only_ids)) if only_ids else None,
        drop_ids=tuple(parse_ids(drop_ids) or ()),
        datasets_since=datasets_since,
        compare_source=compare_source,
        compare=CompareOptions(undefined_differences_matter, na_differences_matter, differences_are_errors),
        allow_bad_rules=allow_bad_rules,
        allow_bad_references=allow_bad_references,
        update_pickle=update_pickle,
    )
    with job_inputs(params, trust_pickles, server_url=server_url, instruments=instruments,
                    datasets=server_datasets, context=new_context, quiet=quiet) as (source, input_errors):
        with loaded_objects_frozen(), partition_progress("check-context", enabled=not quiet) as progress:
            result = run_check(request, source, cluster_from_options(**cluster), log=log, progress=progress,
                               timing=timing)
        seconds = time.monotonic() - started
        unique = result.unique_errors()
        if print_new_references:
            echo_lines(result.new_reference_lines())
        if dump_unique_errors:
            echo_lines(unique.crds_lines(unique_threshold))
        elif not print_new_references:
            _echo_classes(unique.above(unique_threshold))
        if save_pickle:
            from ..batch.saves import save_parameters

            count = save_parameters(result, source, save_pickle, only_ids=request.only_ids, trust_pickles=trust_pickles)
            log(f"Wrote {count} datasets to {save_pickle!r}")
    if output:
        result.write(output)
    if report_path:
        from ..report import write_report

        log(f"Report written to {write_report(result, report_path, seconds=seconds)}")
    if not quiet:
        echo_dataset_failures(unique)
    if stats or not quiet:
        summary = result.summary()
        rate = f"  ({summary['datasets_processed'] / seconds:,.1f} datasets/s)" if seconds > 0 else ""
        click.echo(f"{summary['new_context']}: {summary['datasets_processed']:,} datasets in {seconds:.1f} s{rate}; "
                   f"{summary['datasets_failed']:,} failed; {unique.total:,} errors in "
                   f"{len(unique.classes):,} classes ({unique.untracked:,} untracked)", err=True)
        if result.counts is not None:
            click.echo(f"datasets: {result.counts.line()}", err=True)
    if stats:
        echo_job_stats(timing, command_start)
    return EXIT_ERRORS if unique.total or input_errors else EXIT_OK


def _echo_classes(classes) -> None:
    """A readable table: count, instrument, type, examples, message."""
    if not classes:
        click.echo("No errors.")
        return
    lines = []
    for cls in sorted(classes, key=lambda c: (-c.count, c.sort_key)):
        lines.append(f"{cls.count:8d}  {cls.instrument:<8} {cls.filekind:<10} {cls.message}")
        lines.append(f"{'':10}examples: {' '.join(cls.examples)}")
    echo_lines(lines)
