"""``--check-files`` / ``--check-sha1sum`` / ``--repair-files`` / ``--purge-rejected`` / ``--purge-blacklisted``.

The synced files are checked against the server's catalog
(``get_file_info_map`` with crds's fields: size, rejected, blacklisted,
state, sha1sum), as crds verifies them: missing files (not an error for a
bad file), wrong size, wrong sha1 (always checked for mappings, for
references with ``--check-sha1sum``), files the server does not know,
unusual states, rejected and blacklisted files, and files in the cache the
server does not serve at all ("foreign": a warning, they are not touched). Hashing runs in parallel and
goes through the cache's (size, mtime, sha1) record, so a re-check of an
unchanged cache reads nothing. Files found wrong are fetched again with
``--repair-files`` (a verified download renamed over the bad file); rejected
or blacklisted ones are removed with the purge switches. The report counts
each class.
"""
from __future__ import annotations

import os
from collections import Counter

from ..cache.server_config import is_mapping_name
from .download import fetch_files
from .purge import cached_mappings, cached_references, remove_paths

FIELDS = ["size", "rejected", "blacklisted", "state", "sha1sum"]
USUAL_STATES = ("archived", "operational", "delivered", "latest")
CLASSES = ("checked", "missing", "wrong size", "wrong sha1", "unknown to the server", "rejected", "blacklisted",
           "foreign")


def check_files(sync, names: list[str]) -> Counter:
    """Check ``names`` (of ``sync``: a :class:`~.run.Sync`) and act on what is found; return the counts."""
    options, report, placement = sync.options, sync.report, sync.placement
    names = list(dict.fromkeys(os.path.basename(n) for n in names))
    report.verbose(f"Downloading verification info for {len(names)} files.")
    try:
        infos = sync.client.call("get_file_info_map", sync.observatory, names, FIELDS)
    except Exception as exc:  # noqa: BLE001 - crds's words: the check failed, say why, go on
        report.error(f"Failed getting file info. CACHE VERIFICATION FAILED: {exc}")
        return Counter()
    counts: Counter = Counter({name: 0 for name in CLASSES})
    present = {n: placement.path(n) for n in names if isinstance(infos.get(n), dict)
               and os.path.exists(placement.path(n))}
    hash_names = [n for n in present if (options.check_sha1sum or is_mapping_name(n))
                  and str(infos[n].get("sha1sum", "none")).lower() != "none"
                  and os.path.getsize(present[n]) == _int(infos[n].get("size"))]
    if options.check_sha1sum and not options.readonly:
        report.info(f"Hashing {len(hash_names)} files ({options.parallel} at a time).")
    sums = sync.record.hash_all([present[n] for n in hash_names], options.parallel, report.info)
    repair: list[str] = []
    purge: list[str] = []
    for name in names:
        info = infos.get(name)
        if not isinstance(info, dict):
            counts["unknown to the server"] += 1
            report.error(f"CRDS has no record of file {name!r}")
            continue
        counts["checked"] += 1
        path = placement.path(name)
        if name not in present:
            if name not in sync.bad_files:
                counts["missing"] += 1
                report.error(f"File {name!r} doesn't exist at {path!r}")
                repair.append(name)
            continue
        size = os.path.getsize(path)
        if size != _int(info.get("size")):
            counts["wrong size"] += 1
            report.error(f"File {name!r} length mismatch LOCAL size={size} CRDS size={info.get('size')}")
            repair.append(name)
        elif path in sums and sums[path] != str(info.get("sha1sum")).lower():
            counts["wrong sha1"] += 1
            report.error(f"File {name!r} checksum mismatch CRDS={info.get('sha1sum')!r} LOCAL={sums[path]!r}")
            repair.append(name)
        elif (options.check_sha1sum or is_mapping_name(name)) and str(info.get("sha1sum")).lower() == "none":
            report.warning(f"CRDS doesn't know the checksum for {name!r}")
        if info.get("state") not in USUAL_STATES:
            report.warning(f"File {name!r} has an unusual CRDS file state {info.get('state')!r}")
        if str(info.get("rejected", "false")) != "false":
            counts["rejected"] += 1
            report.verbose(f"File {name!r} has been explicitly rejected.")
            if options.purge_rejected:
                purge.append(path)
            continue
        if str(info.get("blacklisted", "false")) != "false":
            counts["blacklisted"] += 1
            report.verbose(f"File {name!r} has been blacklisted or is dependent on a blacklisted file.")
            if options.purge_blacklisted:
                purge.append(path)
    if not options.output_dir:
        cached = {**cached_mappings(placement), **cached_references(placement)}
        for name in sorted(set(cached) - set(sync.metadata) - set(names)):
            counts["foreign"] += 1
            report.warning(f"File {name!r} at {cached[name]!r} is not a file of the server (foreign)")
    if options.repair_files and repair:
        _repair(sync, repair, infos)
    if purge:
        remove_paths(purge, "bad file", options.readonly, report)
    for name in CLASSES:
        report.check_counts[name] = counts[name]
    return counts


def _repair(sync, names: list[str], infos: dict) -> None:
    report = sync.report
    if sync.options.readonly:
        nbytes = sum(_int(infos[n].get("size")) for n in names)
        report.info(f"READONLY CACHE would repair {len(names)} files ({nbytes} bytes).")
        return
    jobs = [sync.job(name, infos[name]) for name in names]
    for job in jobs:
        report.info(f"Repairing file {job.path!r}")
    fetched, nbytes, errors = fetch_files(sync.client, jobs, parallel=sync.options.parallel,
                                          what="Repairing", report=report.info)
    report.fetched_files += fetched
    report.fetched_bytes += nbytes
    for line in errors:
        report.error(line)
    report.check_counts["repaired"] = fetched


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
