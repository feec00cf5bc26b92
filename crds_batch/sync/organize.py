"""``--organize flat|instrument``: move the cache's references to the other layout, readers kept working.

crds writes the new mode first and then moves files one by one, so a reader
in between looks in the new place for files still in the old one. Here each
reference is first hard-linked at its new place, then the mode file is
switched (temp + rename), then the old names are removed: at every moment a
reader finds every file where the mode it reads says. Something else in the
way at a new place (a "junk" file or directory) is kept and the reference
skipped, with a warning, unless ``--organize-delete-junk``. Going flat, the
emptied instrument directories and their IRAF-prefix links are removed.
Meant for idle caches, as crds says; it runs under the sync lock.
"""
from __future__ import annotations

import os
import shutil

from ..cache.paths import CachePaths
from .locate import Placement, current_subdir_mode
from .publish import write_subdir_mode
from .purge import cached_references


def organize(paths: CachePaths, observatory: str, new_mode: str, delete_junk: bool, readonly: bool,
             report) -> None:
    old_mode, _ = current_subdir_mode(paths)
    target = Placement(observatory, paths, new_mode)
    references = cached_references(Placement(observatory, paths, old_mode))
    report.info(f"Reorganizing {len(references)} references from {old_mode!r} to {new_mode!r}")
    moves: list[tuple[str, str]] = []
    for name, old in sorted(references.items()):
        new = os.path.join(target.reference_dir(name), name)
        if os.path.abspath(new) == os.path.abspath(old):
            continue
        if os.path.lexists(new):
            if not delete_junk:
                report.warning(f"Link or directory already exists at {new!r}. Skipping {old!r}")
                continue
            if readonly:
                report.info(f"READONLY CACHE would remove junk {new!r}")
            else:
                _remove(new)
        moves.append((old, new))
    if readonly:
        for old, new in moves:
            report.info(f"READONLY CACHE would relocate {old!r} to {new!r}")
        return
    for old, new in moves:
        os.makedirs(os.path.dirname(new), exist_ok=True)
        try:
            os.link(old, new)
        except OSError:
            shutil.copy2(old, new)
        report.verbose(f"Relocating {old!r} to {new!r}")
    if new_mode == "instrument":
        for link, directory in target.legacy_links(references).items():
            os.makedirs(directory, exist_ok=True)
            if not os.path.lexists(link):
                os.symlink(directory, link)
    write_subdir_mode(paths, new_mode)
    for old, _ in moves:
        os.unlink(old)
    if new_mode == "flat":
        _remove_instrument_dirs(paths, report)
    report.info(f"Relocated {len(moves)} references.")


def _remove_instrument_dirs(paths: CachePaths, report) -> None:
    root = paths.references
    for entry in sorted(os.listdir(root)) if os.path.isdir(root) else ():
        path = os.path.join(root, entry)
        if os.path.islink(path) and os.path.isdir(path):
            target = os.path.realpath(path)
            if os.path.dirname(target) == os.path.realpath(root) and not _visible(target):
                os.unlink(path)
    for entry in sorted(os.listdir(root)) if os.path.isdir(root) else ():
        path = os.path.join(root, entry)
        if os.path.isdir(path) and not os.path.islink(path):
            if _visible(path):
                report.info(f"Residual files in {path!r}. Not removing.")
            else:
                shutil.rmtree(path)


def _visible(directory: str) -> list[str]:
    return [n for n in os.listdir(directory) if not n.startswith(".")]


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)
