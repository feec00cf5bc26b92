"""``certify --deep``: the references a context's rmaps name, certified in parallel.

Each reference is certified in a worker process (``concurrent.futures``
process pool) into its own :class:`~.log.CertifyLog`; the parent replays each
file's messages when the sequential walk reaches it, so the output is the
same, line for line, as certifying them one after the other (and as crds
prints them). :func:`deep_summary` counts errors and warnings per
(instrument, type) for the closing summary.
"""
from __future__ import annotations

import collections
import io
import multiprocessing
import os
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed

from .log import ANNOTATORS, CertifyLog, Message

Progress = Callable[[int, int], None]


def _certify_one(path: str, context: str | None, options, observatory: str) -> tuple[list[Message], list[Message]]:
    from .kinds import detect_format
    from .references import certify_reference

    log = CertifyLog(stream=io.StringIO(), verbose=False)
    log.annotate = ANNOTATORS.get(observatory)
    try:
        certify_reference(path, detect_format(path), context, options, log, observatory)
    except Exception as exc:  # noqa: BLE001 - one file's failure is its error; the others go on
        log.track_error(path, "unknown", "unknown", f"Validation error : {exc}")
    return log.messages, log.tracked


def certify_in_parallel(paths: list[str], context: str | None, options, observatory: str, jobs: int,
                        progress: Progress | None = None) -> dict[str, tuple[list[Message], list[Message]]]:
    """{path: (messages, tracked errors)} of each reference, certified by ``jobs`` processes."""
    results: dict[str, tuple[list[Message], list[Message]]] = {}
    total = len(paths)
    if progress:
        progress(0, total)
    context_kind = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(context_kind)) as pool:
        futures = {pool.submit(_certify_one, path, context, options, observatory): path for path in paths}
        for done, future in enumerate(as_completed(futures), 1):
            results[futures[future]] = future.result()
            if progress:
                progress(done, total)
    return results


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


_QUOTED = re.compile(r" '[^']*'")


def error_kind(text: str) -> str:
    """An error's class in the summary: its text before the first `` : ``, quoted names elided."""
    return _QUOTED.sub(" '...'", text.split(" : ")[0])


def deep_summary(log: CertifyLog) -> list[str]:
    """Closing lines: files certified and how many had errors, only warnings, or nothing; then the count of
    each tracked error class (instrument, type, kind of error)."""
    errors: collections.Counter = collections.Counter()
    warnings: collections.Counter = collections.Counter()
    certified = 0
    for message in log.messages:
        if message.level == "INFO" and message.text.startswith("Certifying "):
            certified += 1
        elif message.level == "ERROR":
            errors[message.filename] += 1
        elif message.level == "WARNING":
            warnings[message.filename] += 1
    with_errors = len([name for name in errors if name])
    warned_only = len([name for name in warnings if name and name not in errors])
    lines = [f"deep summary: {certified} files certified: {with_errors} with errors, {warned_only} with warnings "
             f"only, {max(certified - with_errors - warned_only, 0)} clean; {log.errors} errors, "
             f"{log.warnings} warnings"]
    classes = collections.Counter((m.instrument, m.filekind, error_kind(m.text)) for m in log.tracked)
    for (instrument, filekind, kind), count in sorted(classes.items()):
        lines.append(f"deep summary: {count} errors instrument={instrument!r} type={filekind!r} :: {kind}")
    return lines
