"""``--dump-unique-errors``, ``--unique-errors-file``, ``--all-errors-file``, as crds's scripts write them.

An error class is (instrument, type, message without the file); the first
file of each class is its example. The files are written atomically, one
name per line, sorted.
"""
from __future__ import annotations

from ..files.atomic import replace_atomically
from .log import CertifyLog


def _classes(log: CertifyLog) -> dict[tuple[str, str, str], list[str]]:
    classes: dict[tuple[str, str, str], list[str]] = {}
    for message in log.tracked:
        classes.setdefault((message.instrument, message.filekind, message.text), []).append(message.filename)
    return classes


def dump_unique_errors(log: CertifyLog) -> None:
    """Log one line per error class with its count and first instance, then the totals."""
    classes = _classes(log)
    log.info("=" * 20 + " unique error classes " + "=" * 20)
    for (instrument, filekind, text), files in sorted(classes.items()):
        log.info(f"{len(files):06d} errors like:: instrument={instrument!r} type={filekind!r} "
                 f"data={files[0]!r} ::  {text}")
    log.info(f"All unique error types: {len(classes)}")
    log.info(f"Untracked errors: {log.errors - len(log.tracked)}")
    log.info("=" * 20 + " " + "=" * len("unique error classes") + " " + "=" * 20)


def write_error_files(log: CertifyLog, unique_path: str | None, all_path: str | None) -> None:
    classes = _classes(log)
    if unique_path:
        _write_names(unique_path, {files[0] for files in classes.values()})
    if all_path:
        _write_names(all_path, {name for files in classes.values() for name in files}
                     | {m.filename for m in log.messages if m.level == "ERROR" and m.filename})


def _write_names(path: str, names: set) -> None:
    import os

    if not os.path.exists(path):
        open(path, "a").close()  # replace_atomically keeps an existing file's mode
    with replace_atomically(path) as handle:
        handle.write("".join(f"{name}\n" for name in sorted(names)).encode("utf-8"))
