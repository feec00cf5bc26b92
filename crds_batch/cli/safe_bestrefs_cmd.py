"""``crds-batch safe-bestrefs --files ...``: bestrefs --update-bestrefs on a read-only cache, no server (crds's
``safe_bestrefs``)."""
from __future__ import annotations

import time

import click

from .main import EXIT_ERRORS, EXIT_OK
from .options import (WordsOption, allow_bad_references_option, allow_bad_rules_option, crds_tool_options,
                      skip_types_option, split_words, types_option)


@click.command("safe-bestrefs")
@click.option("--files", "files", cls=WordsOption, multiple=True, required=True, metavar="FILE...",
              help="FITS/ASDF dataset files whose headers are updated.")
@click.option("--new-context", envvar="CRDS_CONTEXT", show_envvar=True,
              help="Context (default: the cache's operational context, read from its server_config).")
@types_option
@skip_types_option
@allow_bad_rules_option
@allow_bad_references_option
@click.option("--workers", type=int, default=None, help="Worker processes for reading/writing files (default: CPUs).")
@crds_tool_options
def command(files, new_context, types, skip_types, allow_bad_rules, allow_bad_references, workers):
    """Update the best references of dataset FILEs without writing the cache or contacting a server.

    For many pipeline processes at once while a sync updates the cache: runs with
    CRDS_READONLY_CACHE=1, CRDS_LOG_TIME=1 and a serverless CRDS_SERVER_URL, as crds's
    safe_bestrefs script. Error lines are time-stamped on stderr; exit status 1 when
    a file or lookup failed.

    \b
    crds-batch safe-bestrefs --files *_raw.fits --new-context hst-operational
    """
    from ..files.bestrefs import FilesRequest
    from ..tools.safe_bestrefs import safe_bestrefs

    request = FilesRequest(files=tuple(split_words(files)), new_context=new_context,
                           types=tuple(split_words(types)), skip_types=tuple(split_words(skip_types)),
                           update=True, allow_bad_rules=allow_bad_rules, allow_bad_references=allow_bad_references,
                           workers=workers)
    result = safe_bestrefs(request)
    for outcome in result.outcomes:
        for kind, messages in (("WARNING", outcome.warnings), ("ERROR", outcome.errors)):
            for message in messages:
                click.echo(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {kind}: {message}", err=True)
    written = sum(1 for outcome in result.outcomes if outcome.written)
    click.echo(f"{time.strftime('%Y-%m-%d %H:%M:%S')} INFO: {len(result.outcomes)} files, {written} updated "
               f"from {result.context}", err=True)
    return EXIT_ERRORS if result.error_count else EXIT_OK
