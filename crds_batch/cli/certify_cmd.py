"""``crds-batch certify FILE...``: check mappings and references before delivery, as ``crds certify``."""
from __future__ import annotations

import sys

import click

from ..certify.deep import deep_summary, default_jobs
from ..certify.log import CertifyLog
from ..certify.runner import CertifyOptions, certify_files, stats_message
from ..certify.unique_errors import dump_unique_errors, write_error_files
from .progress import partition_progress


@click.command("certify")
@click.argument("files", nargs=-1, required=True)
@click.option("-d", "--deep", is_flag=True, help="Certify the references the rmaps name (those in the cache).")
@click.option("-r", "--dont-recurse-mappings", "dont_recurse", is_flag=True,
              help="Certify only the files named, not the mappings below them.")
@click.option("-a", "--dont-parse", is_flag=True, help="Skip the duplicate-entry check of mapping texts.")
@click.option("-e", "--exist", is_flag=True, help="Check that the references the rmaps name are in the cache.")
@click.option("-x", "--comparison-context", default=None, metavar="CONTEXT",
              help="Context whose mappings the certified ones are compared with (default: operational; "
                   "'none': no comparison).")
@click.option("-y", "--comparison-reference", default=None, metavar="FILE",
              help="Reference table to compare a new table's modes (rows) with.")
@click.option("-p", "--dump-provenance", is_flag=True,
              help="Print the provenance keywords of references (rmap parameters, constrained and HST provenance keywords).")
@click.option("-f", "--run-fitsverify", is_flag=True, help="Also run the fitsverify program on FITS files.")
@click.option("--dump-unique-errors", "dump_unique", is_flag=True, help="Print the first instance of each class of error.")
@click.option("--unique-errors-file", default=None, metavar="PATH",
              help="Write the files of the first instance of each error class here.")
@click.option("--all-errors-file", default=None, metavar="PATH", help="Write every file with an error here.")
@click.option("-v", "--verbose", is_flag=True, help="Also print crds's verbose messages (e.g. added rules).")
@click.option("--stats", is_flag=True, help="Print the elapsed time and files per second at the end.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Processes certifying --deep references in parallel (default: the CPUs available).")
@click.option("--json", "as_json", is_flag=True, help="Also write counts and messages as one JSON object on stdout.")
def command(files, deep, dont_recurse, dont_parse, exist, comparison_context, comparison_reference,
            dump_provenance, run_fitsverify, dump_unique, unique_errors_file, all_errors_file, verbose, stats, jobs, as_json):
    """Certify mappings (.pmap/.imap/.rmap) and references (.fits/.asdf/.json/.yaml).

    Messages are crds's log lines on stderr (CRDS - ERROR - ..., N errors,
    N warnings). Exit status 1 when errors were found, else 0.
    """
    import time

    if comparison_reference is not None and comparison_reference.endswith((".pmap", ".imap", ".rmap")):
        raise click.UsageError(f"--comparison-reference {comparison_reference!r} is not a reference.")
    started = time.perf_counter()
    log = CertifyLog(stream=sys.stderr, verbose=verbose)
    options = CertifyOptions(comparison_context=comparison_context, comparison_reference=comparison_reference,
                             deep=deep, exist=exist, dont_recurse=dont_recurse, dont_parse=dont_parse,
                             run_fitsverify=run_fitsverify, dump_provenance=dump_provenance, jobs=jobs or default_jobs())
    with partition_progress("certify --deep", enabled=deep) as progress:
        errors = certify_files(list(files), options, log, progress=progress)
    if dump_unique:
        dump_unique_errors(log)
    write_error_files(log, unique_errors_file, all_errors_file)
    log.summary()
    if stats:
        log.info(stats_message(log, time.perf_counter() - started))
    if deep:
        for line in deep_summary(log):
            click.echo(line, err=True)
    if as_json:
        import json

        click.echo(json.dumps(log.as_json(), indent=1))
    return 1 if errors else 0

