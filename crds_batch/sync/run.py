"""``crds-batch sync``: one sync of one cache, in the order that keeps concurrent readers safe.

    lock -> (organize) -> server info -> mappings: rmaps, imaps, pmaps -> references
         -> purges -> verification -> cache config (server_config, bad_files.txt) last

Each file is whole and verified before it appears under its name
(:mod:`.download`); the config that names the context in use is written
only when everything before it succeeded (``--force-config-update`` writes it
anyway, as crds's switch of that name), so readers see the old context or
the new one, each complete. A read-only cache (``--readonly-cache``,
``CRDS_READONLY_CACHE``) changes nothing and says what it would fetch or
remove, with the bytes.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable

from ..cache.paths import CachePaths
from ..cache.server_config import is_mapping_name
from ..client import CrdsClient, api
from ..files.atomic import remove_stale_temps
from . import plan as P
from .download import FileJob, fetch_files
from .errors import SyncError
from .locate import Placement, current_subdir_mode
from .lock import clear_lock, lock_path, sync_lock
from .progress import human_bytes
from .publish import configured_context, push_context, verify_context_change, write_config, write_subdir_mode
from .report import SyncReport, to_stderr
from .sha1_record import RECORD_NAME, Sha1Record, file_sha1

TRUE_WORDS = ("1", "true", "t", "yes", "y", "on")


def readonly_from_env(env=None) -> bool:
    env = os.environ if env is None else env
    return env.get("CRDS_READONLY_CACHE", "").strip().lower() in TRUE_WORDS


def run_sync(options: P.SyncOptions, client: CrdsClient, log: Callable[[str], None] = to_stderr) -> SyncReport:
    started = time.monotonic()
    report = SyncReport(log=log, verbose_on=options.verbose)
    if options.repair_files:
        options.check_files = True
    options.readonly = options.readonly or readonly_from_env()
    if client.serverless:
        raise SyncError("No CRDS server configured: set CRDS_SERVER_URL (sync downloads from a server)")
    observatory = P.choose_observatory(options, client)
    report.observatory = observatory
    paths = CachePaths.from_env(observatory, {"CRDS_PATH": options.cache_root} if options.cache_root else None)
    report.context_before = configured_context(paths)
    if options.clear_locks:  # crds does this and nothing else
        removed = clear_lock(lock_path(paths.config))
        report.info(f"Removed the cache's sync lock: {' '.join(removed)}" if removed else "No sync lock to remove.")
        report.context_after = report.context_before
        return report
    report.readonly = options.readonly
    if options.readonly:
        report.info("READONLY CACHE: nothing is downloaded, removed or switched; saying what would be.")
    lock = None if options.readonly or options.output_dir else lock_path(paths.config)
    with sync_lock(lock, options.lock_timeout):
        Sync(options, client, report, paths).run()
    report.context_after = configured_context(paths)
    report.seconds = time.monotonic() - started
    return report


class Sync:
    def __init__(self, options: P.SyncOptions, client: CrdsClient, report: SyncReport, paths: CachePaths):
        self.options = options
        self.client = client
        self.report = report
        self.paths = paths
        self.observatory = report.observatory
        record = None if options.output_dir else os.path.join(paths.config, RECORD_NAME)
        self.record = Sha1Record(record)

    # -- the steps, in order -------------------------------------------------------------------

    def run(self) -> None:
        options, report = self.options, self.report
        if options.organize and not options.output_dir:
            from .organize import organize
            organize(self.paths, self.observatory, options.organize, options.organize_delete_junk,
                     options.readonly, report)
        self.info = api.server_info(self.client, self.observatory)
        served = str(self.info.get("observatory", self.observatory)).lower()
        if served != self.observatory:
            raise SyncError(f"CRDS server {self.client.url} serves {served!r}, not {self.observatory!r}: "
                            f"check CRDS_SERVER_URL and CRDS_OBSERVATORY (or --{served})")
        self.metadata = P.server_download_metadata(self.info)
        self.placement = self._placement()
        mappings, references, keep_mappings = self._plan()
        self._sweep_temps()
        for extension in P.MAPPING_ORDER:
            if report.errors:  # a parent is never written over children that failed
                report.warning(f"Skipping the {extension[1:]}s: their children failed to sync")
                break
            self._fetch([m for m in mappings if m.endswith(extension)], f"Fetching {extension[1:]}s")
        fetch_refs = references if (options.fetch_references or options.files) else []
        if options.purge_rejected or options.purge_blacklisted:
            fetch_refs = [r for r in fetch_refs if r not in self.bad_files]
        if fetch_refs:
            self._prepare_reference_dirs(fetch_refs)
            self._fetch(fetch_refs, "Fetching references")
        if options.purge_references and not options.files:
            from .purge import purge_references
            purge_references(self.placement, set(references), options.readonly, report)
        if options.purge_mappings and not options.files:
            from .purge import purge_mappings
            purge_mappings(self.placement, set(keep_mappings), options.readonly, report)
        if options.checking:
            from .check import check_files
            verify = mappings + (references if (options.fetch_references or options.files) else [])
            check_files(self, verify)
        if not options.readonly:
            self.record.save()
        self._publish()

    @property
    def bad_files(self) -> set[str]:
        return set(self.info.get("bad_files_list") or ())

    def _placement(self) -> Placement:
        if self.options.output_dir:
            return Placement(self.observatory, self.paths, "flat", os.path.abspath(self.options.output_dir))
        mode, recorded = current_subdir_mode(self.paths)
        self.subdir_recorded = recorded
        return Placement(self.observatory, self.paths, mode)

    def _plan(self) -> tuple[list[str], list[str], list[str]]:
        """``(mappings to fetch in order, references named, mappings to keep on purge)``."""
        options, client, obs = self.options, self.client, self.observatory
        if options.files:
            mappings, references = P.explicit_files(client, obs, options.files)
            self.report.info(f"Syncing {len(mappings) + len(references)} explicitly listed files.")
            return mappings, references, mappings
        contexts = P.choose_contexts(options, client, obs)
        self.report.contexts = contexts
        self.report.info(f"Syncing {len(contexts)} context(s): {' '.join(contexts[:5])}"
                         + (" ..." if len(contexts) > 5 else ""))
        closure = P.mapping_closure(client, contexts)
        mappings = P.ordered_mappings(set(closure) | set(P.all_server_mappings(client, obs))) \
            if options.all else closure
        references: list[str] = []
        if options.dataset_files or options.dataset_ids:
            from .datasets import dataset_references
            self._fetch(mappings, "Fetching mappings")  # the rules the lookups read, before the lookups
            references = P.with_conjugates(dataset_references(self, contexts))
        elif options.fetch_references or options.purge_references:
            references = P.context_references(client, contexts)
            if options.include_orphans:
                references = P.with_conjugates(set(references) | set(P.orphan_references(client, obs)))
        return mappings, references, closure

    def _sweep_temps(self) -> None:
        if self.options.readonly:
            return
        directories = {self.placement.mapping_path("x"), self.placement.reference_dir("x")}
        if os.path.isdir(self.paths.references) and not self.options.output_dir:
            directories |= {os.path.join(self.paths.references, d, "x") for d in os.listdir(self.paths.references)}
        for directory in directories:
            for removed in remove_stale_temps(os.path.dirname(directory)):
                self.report.verbose(f"Removed a dead sync's temp file {removed.name} ({removed.size} bytes)")

    def _prepare_reference_dirs(self, references: list[str]) -> None:
        if self.options.readonly or self.options.output_dir:
            return
        if not self.subdir_recorded:
            write_subdir_mode(self.paths, self.placement.subdir_mode)
            self.subdir_recorded = True
        for link, target in self.placement.legacy_links(references).items():
            os.makedirs(target, exist_ok=True)
            if not os.path.lexists(link):
                try:
                    os.symlink(target, link)
                except FileExistsError:
                    pass  # another process made it meanwhile

    # -- fetching ------------------------------------------------------------------------------

    def file_facts(self, names: list[str]) -> dict[str, dict]:
        """``{name: {"size", "sha1sum"}}`` from the server's metadata (asked per file if missing there)."""
        facts = {n: self.metadata[n] for n in names if isinstance(self.metadata.get(n), dict)}
        missing = [n for n in names if n not in facts]
        if missing:
            asked = self.client.call("get_file_info_map", self.observatory, missing, ["size", "sha1sum"])
            for name in missing:
                value = asked.get(name) if isinstance(asked, dict) else None
                if isinstance(value, dict):
                    facts[name] = value
        return facts

    def is_in_place(self, name: str, fact: dict) -> bool:
        """The file is in place whole: its size (and sha1 for mappings, or when recorded) as the server says."""
        path = self.placement.path(name)
        try:
            if os.path.getsize(path) != int(fact.get("size", -1)):
                return False
        except (OSError, ValueError):
            return False
        expected = str(fact.get("sha1sum", "none")).lower()
        if expected in ("", "none"):
            return True
        known = self.record.known(path)
        if known is None and is_mapping_name(name):
            known = file_sha1(path)
        return known is None or known == expected

    def _fetch(self, names: list[str], what: str) -> None:
        names = [n for n in dict.fromkeys(names) if n not in getattr(self, "_fetched", set())]
        if not names:
            return
        facts = self.file_facts(names)
        for name in names:
            if name not in facts:
                self.report.error(f"CRDS has no record of file {name!r}")
        todo = [n for n in names if n in facts and (self.options.ignore_cache or not self.is_in_place(n, facts[n]))]
        self._fetched = getattr(self, "_fetched", set()) | set(names)
        if self.options.readonly:
            nbytes = sum(_size(facts[n]) for n in todo)
            for name in todo:
                self.report.verbose(f"File {name!r} would be downloaded ({_size(facts[name])} bytes).")
            self.report.would_fetch_files += len(todo)
            self.report.would_fetch_bytes += nbytes
            if todo:
                self.report.info(f"READONLY CACHE would download {len(todo)} {what.split()[-1]} totalling "
                                 f"{human_bytes(nbytes)} ({nbytes} bytes).")
            return
        self.report.verbose(f"{what}: {len(todo)} of {len(names)} files missing or wrong")
        jobs = [self.job(name, facts[name]) for name in todo]
        fetched, nbytes, errors = fetch_files(self.client, jobs, parallel=self.options.parallel, what=what,
                                              report=self.report.info)
        self.report.fetched_files += fetched
        self.report.fetched_bytes += nbytes
        for line in errors:
            self.report.error(line)

    def job(self, name: str, fact: dict) -> FileJob:
        kind = "mapping" if is_mapping_name(name) else "reference"
        url = api.file_url(self.info, kind, self.observatory) + name
        sha1 = str(fact.get("sha1sum") or "none")
        return FileJob(name, url, self.placement.path(name), _size(fact) if "size" in fact else None,
                       None if sha1.lower() == "none" else sha1)

    # -- the config, last ----------------------------------------------------------------------

    def _publish(self) -> None:
        report = self.report
        if not self.options.update_config:
            return
        if self.options.output_dir:
            report.verbose("Used --output-dir: the cache config (context, bad files) is left as it was.")
            return
        if self.options.readonly:
            new = self.info.get("latest_context") or self.info.get("operational_context")
            if new != report.context_before:
                report.info(f"READONLY CACHE would switch the context from {report.context_before} to {new}.")
            return
        if report.errors and not self.options.force_config_update:
            report.warning("Errors occurred during sync, skipping CRDS cache config and context update.")
            return
        write_config(self.paths, self.info, self.client.url)
        report.config_updated = True
        if self.options.verify_context_change:
            verify_context_change(report.context_before, configured_context(self.paths), report)
        if self.options.push_context:
            push_context(self.client, self.observatory, self.paths, self.options.push_context, report)


def _size(fact: dict) -> int:
    try:
        return int(fact.get("size", 0))
    except (TypeError, ValueError):
        return 0


def fetch_named(names, client: CrdsClient, observatory: str | None = None,
                log: Callable[[str], None] = to_stderr) -> SyncReport:
    """Fetch exactly the files ``names`` into the cache (verified, under the sync lock), leaving the
    cache config as it is: what ``bestrefs --sync-references`` needs."""
    options = P.SyncOptions(files=sorted(set(names)), observatory=observatory, update_config=False)
    return run_sync(options, client, log)


def watch_sync(options: P.SyncOptions, client: CrdsClient, interval: float,
               log: Callable[[str], None] = to_stderr, runs: int | None = None) -> SyncReport:
    """Sync now and then every ``interval`` seconds (``runs`` times; None: until interrupted); each run's
    summary is logged, a failed run (a server down, a lock held) is one line and the next run retries.
    Returns the last run's report."""
    import dataclasses

    from ..errors import CrdsBatchError

    done = 0
    report = SyncReport(log=log)
    while runs is None or done < runs:
        started = time.monotonic()
        try:
            report = run_sync(dataclasses.replace(options), client, log)
            log(report.summary())
        except CrdsBatchError as exc:
            report = SyncReport(log=log)
            report.error(str(exc))
        done += 1
        if runs is None or done < runs:
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
    return report
