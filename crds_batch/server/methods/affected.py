"""``get_affected_datasets``: results of ``crds-batch affected --output DIR`` served as CRDS's server serves
its own reprocessing results (``crds query_affected`` reads them).

``--affected-results ROOT`` names a result directory or a directory of them;
a result is chosen by the old and new contexts its ``summary.json`` records
(the newest when several). With ``--reprocess`` the server writes results there
itself (:mod:`..reprocessing`); a run queued or running is reported as such, in
the error text the crds client prints, rather than as missing results. Results are read at each request, so a run that
finishes while serving is seen by the next request (``affected`` writes each
file by rename, ``summary.json`` last but one, ``affected.txt`` last).
"""
from __future__ import annotations

import json
import os

from ..jsonrpc import OtherError
from . import params
from .context import get_context_history, operational_context
from .registry import Call, rpc_method

SUMMARY = "summary.json"
AFFECTED = "affected.txt"


def _no_results(old: str, new: str, why: str = "") -> OtherError:
    # the crds client recognizes this text (query_affected --ignore-missing-results)
    return OtherError(f"No precomputed affected datasets results exist for {old!r} --> {new!r}{why}")


def _previous_context(call: Call, new: str) -> str | None:
    history = sorted((str(entry[0]), entry[1]) for entry in get_context_history(call))
    names = [name for _, name in history]
    if new not in names:
        return None
    index = names.index(new)
    return names[index - 1] if index > 0 else None


def _result_dirs(root: str) -> list[str]:
    try:
        candidates = [root] + [os.path.join(root, name) for name in sorted(os.listdir(root))
                               if not name.startswith(".")]  # hidden: a reprocessing run being written
    except OSError as exc:
        raise OtherError(f"Cannot read the affected results in {root}: {exc.strerror}") from None
    return [path for path in candidates
            if os.path.isfile(os.path.join(path, SUMMARY)) and os.path.isfile(os.path.join(path, AFFECTED))]


def _summary(path: str) -> dict | None:
    try:
        with open(os.path.join(path, SUMMARY), encoding="utf-8") as handle:
            summary = json.load(handle)
    except (OSError, ValueError):
        return None
    return summary if isinstance(summary, dict) else None


def _error_summary(summary: dict) -> str:
    return (f"crds-batch affected {summary.get('old_context')} --> {summary.get('new_context')}: "
            f"{summary.get('datasets_processed', '?')} datasets, {summary.get('products_affected', '?')} "
            f"products affected, {summary.get('errors', '?')} errors, {summary.get('warnings', '?')} warnings")


@rpc_method
def get_affected_datasets(call: Call, observatory=None, old_context=None, new_context=None) -> dict:
    """``{computation_dir, observatory, affected_ids, bestrefs_status, old_context, new_context,
    bestrefs_err_summary}`` for old -> new (defaults: the operational context and the one before it)."""
    state = call.state
    state.check_observatory(observatory)
    reprocessor = state.reprocessor
    if reprocessor is not None:
        reprocessor.check()  # a config change not yet polled is queued now, and reported as such below
    new = params.text("new_context", new_context, optional=True) or operational_context(call)
    old = params.text("old_context", old_context, optional=True) or _previous_context(call, new)
    if old is None:
        raise _no_results("?", new, " (no context precedes it in the history)")
    root = state.affected_results
    if root is None:
        raise _no_results(old, new, " (this server was started without --affected-results)")
    run = reprocessor.status(old, new) if reprocessor is not None else None
    if run is not None and run.state != "failed":
        raise OtherError(run.describe())
    found = []
    for path in _result_dirs(root):
        summary = _summary(path)
        if summary and summary.get("old_context") == old and summary.get("new_context") == new:
            found.append((os.stat(os.path.join(path, SUMMARY)).st_mtime_ns, path, summary))
    if not found:
        raise OtherError(run.describe()) if run is not None else _no_results(old, new)
    _, path, summary = max(found)
    with open(os.path.join(path, AFFECTED), encoding="utf-8") as handle:
        ids = [line.strip() for line in handle if line.strip()]
    return {
        "computation_dir": os.path.abspath(path),
        "observatory": state.observatory,
        "affected_ids": ids,
        "bestrefs_status": 1 if summary.get("errors") else 0,
        "old_context": old,
        "new_context": new,
        "bestrefs_err_summary": _error_summary(summary),
    }
