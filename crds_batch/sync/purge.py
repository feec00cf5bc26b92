"""``--purge-mappings`` / ``--purge-references``: remove cached files the synced contexts do not use.

With a read-only cache nothing is removed; the lines say what would be, and
the bytes. A GEIS header takes its data file with it (crds's ``.rNh`` ->
``.rNd``).
"""
from __future__ import annotations

import os
import re

from .locate import Placement

_GEIS_HEADER = re.compile(r"\w+\.r[0-9]h$")


def cached_mappings(placement: Placement) -> dict[str, str]:
    root = placement.paths.mappings
    return {n: os.path.join(root, n) for n in _listdir(root) if n.endswith((".pmap", ".imap", ".rmap"))}


def cached_references(placement: Placement) -> dict[str, str]:
    """``{name: path}`` of the reference files in the cache (flat directory and instrument directories)."""
    root = placement.paths.references
    found: dict[str, str] = {}
    for entry in _listdir(root):
        path = os.path.join(root, entry)
        if os.path.islink(path):
            continue  # an IRAF-prefix link to an instrument directory
        if os.path.isdir(path):
            for name in _listdir(path):
                if os.path.isfile(os.path.join(path, name)) and not name.startswith("."):
                    found.setdefault(name, os.path.join(path, name))
        elif os.path.isfile(path) and not entry.startswith("."):
            found.setdefault(entry, path)
    return found


def purge_mappings(placement: Placement, keep: set[str], readonly: bool, report) -> None:
    cached = cached_mappings(placement)
    remove_paths([cached[n] for n in sorted(set(cached) - keep)], "mapping", readonly, report)


def purge_references(placement: Placement, keep: set[str], readonly: bool, report) -> None:
    if not readonly:
        placement.make_listed_instrument_dirs()
    cached = cached_references(placement)
    doomed = set(cached) - keep
    doomed |= {n[:-1] + "d" for n in doomed if _GEIS_HEADER.match(n)} & set(cached)
    remove_paths([cached[n] for n in sorted(doomed)], "reference", readonly, report)


def remove_paths(paths: list[str], kind: str, readonly: bool, report) -> None:
    if not paths:
        report.verbose(f"No {kind}s to remove.")
        return
    total = 0
    for path in paths:
        try:
            size = os.path.getsize(path)
        except OSError:
            continue
        if readonly:
            report.info(f"READONLY CACHE would remove {kind} {path!r} ({size} bytes)")
        else:
            try:
                os.unlink(path)
            except OSError as exc:
                report.error(f"Failed purging {kind} {os.path.basename(path)!r}: {exc.strerror}")
                continue
            report.verbose(f"Removed {kind} {path!r} ({size} bytes)")
        report.removed.append(path)
        total += size
    report.removed_bytes += total
    verb = "would remove" if readonly else "removed"
    report.info(f"{'READONLY CACHE ' if readonly else ''}{verb} {len(paths)} {kind}s totalling {total} bytes.")


def _listdir(path: str) -> list[str]:
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []
