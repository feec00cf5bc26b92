"""``crds-batch sync``: fetch, check and tidy a CRDS cache from a server (every mode of ``crds sync``)."""
from __future__ import annotations

import re

import click

from .main import EXIT_ERRORS, EXIT_OK
from .options import WordsOption, crds_tool_options, split_words


def _range(ctx, param, value):
    if value is None:
        return None
    match = re.fullmatch(r"(\d+):(\d+)", value)
    if not match or int(match.group(1)) > int(match.group(2)):
        raise click.BadParameter(f"{value!r} is not MIN:MAX with MIN <= MAX")
    return int(match.group(1)), int(match.group(2))


@click.command("sync")
@crds_tool_options(own={"verbose": "verbose", "readonly_cache": "readonly", "observatory": "observatory"})
@click.option("--contexts", cls=WordsOption, multiple=True, metavar="CONTEXT...",
              help="Contexts to sync: .pmap/.imap/.rmap names or specs the server resolves (hst-operational).")
@click.option("--range", "range_", metavar="MIN:MAX", callback=_range, help="The .pmaps numbered MIN to MAX.")
@click.option("--all", "all_", is_flag=True, help="Every context on the server (and every mapping).")
@click.option("--last", "--last-n-contexts", "last", type=click.IntRange(1), metavar="N",
              help="The server's last N contexts.")
@click.option("--up-to-context", metavar="CONTEXT", help="The server's contexts up to and including CONTEXT.")
@click.option("--after-context", metavar="CONTEXT", help="The server's contexts from CONTEXT on (CONTEXT included).")
@click.option("--include-orphans", is_flag=True, help="With the contexts' references, also the server's references "
              "no context names.")
@click.option("--files", cls=WordsOption, multiple=True, metavar="FILE...",
              help="Exactly these files (mappings, references, or names like jwst-nircam-flat-edit).")
@click.option("--output-dir", type=click.Path(file_okay=False), help="Put the files here, flat; the cache "
              "config is not touched.")
@click.option("--fetch-references", is_flag=True, help="Also fetch every reference the contexts name.")
@click.option("--dataset-files", cls=WordsOption, multiple=True, metavar="FILE...",
              help="Fetch the references these dataset files need under the contexts.")
@click.option("--dataset-ids", cls=WordsOption, multiple=True, metavar="ID...|@FILE",
              help="Fetch the references these archived datasets need under the contexts.")
@click.option("--purge-mappings", is_flag=True, help="Remove mappings the contexts do not use.")
@click.option("--purge-references", is_flag=True, help="Remove references the contexts do not use.")
@click.option("-k", "--check-files", is_flag=True, help="Check the synced files against the server's catalog.")
@click.option("-s", "--check-sha1sum", is_flag=True, help="With the check, hash every file (parallel, "
              "remembered by size and mtime so a re-check of unchanged files is fast).")
@click.option("-r", "--repair-files", is_flag=True, help="Fetch again the files the check finds wrong.")
@click.option("--purge-rejected", is_flag=True, help="Remove files the server says are rejected.")
@click.option("--purge-blacklisted", is_flag=True, help="Remove files the server says are blacklisted.")
@click.option("--organize", type=click.Choice(["flat", "instrument"]), help="Move the references to this layout "
              "(on an idle cache).")
@click.option("--organize-delete-junk", is_flag=True, help="With --organize, remove what is in the way.")
@click.option("-R", "--readonly-cache", "--dry-run", "readonly", is_flag=True,
              help="Change nothing; say what would be fetched or removed and the bytes (also CRDS_READONLY_CACHE=1).")
@click.option("-H", "--hst", "observatory", flag_value="hst", help="The observatory is HST.")
@click.option("-J", "--jwst", "observatory", flag_value="jwst", help="The observatory is JWST.")
@click.option("--roman", "observatory", flag_value="roman", help="The observatory is Roman.")
@click.option("--server", metavar="URL", default=None, help="The CRDS server (default CRDS_SERVER_URL).")
@click.option("--parallel", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Files downloaded or hashed at once.")
@click.option("--lock-timeout", type=click.FloatRange(0), default=600.0, show_default=True,
              help="Seconds to wait for another sync of the same cache.")
@click.option("--force-config-update", is_flag=True, help="Switch the context even when errors occurred.")
@click.option("--verify-context-change", is_flag=True, help="An error if the context does not change to a new one.")
@click.option("--push-context", metavar="KEY", help="Tell the server the final context, for the pipeline of KEY.")
@click.option("--clear-locks", is_flag=True, help="Remove the cache's sync lock file and do nothing else.")
@click.option("-v", "--verbose", is_flag=True, help="Say more (every file planned).")
@click.option("--watch", type=click.FloatRange(min=0.1), metavar="SECONDS", default=None,
              help="Sync again every SECONDS until interrupted (a pipeline cache; or use cron).")
def command(contexts, range_, all_, last, up_to_context, after_context, include_orphans, files, output_dir,
            fetch_references, dataset_files, dataset_ids,
            purge_mappings, purge_references, check_files, check_sha1sum, repair_files, purge_rejected,
            purge_blacklisted, organize, organize_delete_junk, readonly, observatory, server, parallel,
            lock_timeout, force_config_update, verify_context_change, push_context, clear_locks, verbose, watch):
    """Sync a CRDS cache from a server: mappings first, then references, then checks, and the config
    that switches the context last, only if all went well. Every file is written whole and verified
    (temp file, size and sha1, rename). Exit status 1 when errors occurred."""
    from ..client import ClientSettings, CrdsClient
    from ..sync import SyncOptions, run_sync, to_stderr, watch_sync
    from .tool_settings import current, stamped

    def log(line: str) -> None:
        to_stderr(stamped(line))

    chosen = [bool(contexts), range_ is not None, all_, last is not None, bool(up_to_context), bool(after_context)]
    if sum(chosen) > 1:
        raise click.UsageError("give only one of --contexts, --range, --all, --last, --up-to-context, --after-context")
    options = SyncOptions(
        contexts=split_words(contexts) or None, range=range_, all=all_, last=last,
        up_to_context=up_to_context, after_context=after_context, include_orphans=include_orphans,
        files=split_words(files) or None, output_dir=output_dir, fetch_references=fetch_references,
        dataset_files=split_words(dataset_files) or None, dataset_ids=split_words(dataset_ids) or None,
        purge_mappings=purge_mappings, purge_references=purge_references, check_files=check_files,
        check_sha1sum=check_sha1sum, repair_files=repair_files, purge_rejected=purge_rejected,
        purge_blacklisted=purge_blacklisted, organize=organize, organize_delete_junk=organize_delete_junk,
        readonly=readonly, observatory=observatory, parallel=parallel, lock_timeout=lock_timeout,
        force_config_update=force_config_update, verify_context_change=verify_context_change,
        push_context=push_context, clear_locks=clear_locks,
        verbose=verbose or current().level > 0, ignore_cache=current().ignore_cache)
    with CrdsClient(ClientSettings.from_env(server_url=server)) as client:
        if watch:
            report = watch_sync(options, client, watch, log)  # each run's summary is logged
        else:
            report = run_sync(options, client, log)
            log(report.summary())
    return EXIT_ERRORS if report.errors else EXIT_OK
