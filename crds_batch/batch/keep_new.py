"""``affected --keep-new-results``: the job's own tasks keep the new context's results in the store.

    lock the store (a :class:`~crds_batch.store.kept.Keeping`), plan the job and the keeping
    -> each partition task of the job first keeps its row groups' results in the new
       context (the types whose rmap the store's kept context shares read, the others
       evaluated: :func:`~.keep.keep_rows`), then compares with them instead of
       evaluating the new rules again (:mod:`.kept_results`)
    -> the row groups of instruments the job compares nothing of take their kept
       files as they are when the new context shares every rmap of theirs; tasks
       that only keep results read the others
    -> a new generation, as ``keep-results`` makes it

The instruments left to those keep-only tasks are the ones new in the new context
or left out by --instruments. The results kept are those ``keep-results NEW``
keeps; the job's outputs are those of ``affected`` alone. A JWST context is refused before
the job, as ``keep-results`` refuses it.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..store import kept as K
from ..store.layout import StoreError, link_or_copy
from .affected import run_affected
from .cluster import ClusterOptions
from .graph import ProgressCallback
from .keep import KeepReport, KeepSetup, frame_instrument, keep_rows, keep_setup, refuse_jwst
from .kept_results import NEW_PREFIX
from .parts import ResultParts
from .plan import AffectedRequest, plan_affected
from .timing import JobTiming


def run_affected_keeping(request: AffectedRequest, source: Any, store_path: str,
                         cluster: ClusterOptions | None = None, *,
                         log: Callable[[str], None] = lambda message: None,
                         progress: ProgressCallback | None = None,
                         parts: ResultParts | None = None,
                         timing: JobTiming | None = None) -> tuple[Any, KeepReport]:
    """:func:`~.affected.run_affected` over ``source`` (the store at ``store_path``, open), and the store then
    keeping the results of ``request.new_context``: (the job's result, what was kept)."""
    from ..rules.loading import load_context

    planned = plan_affected(request)
    context = load_context(planned.plan.new_context)
    refuse_jwst(context)  # before the job, not after it
    with K.Keeping(store_path) as keeping:
        if source.generation_dir != keeping.generation_dir:
            raise StoreError(f"{store_path}: the store changed while opening it; try again")
        setup = keep_setup(keeping, source, context)
        linked, keep_only = _outside_the_job(setup, keeping.manifest, planned.columns)
        rows = _kept_rows(source, setup)
        setup.log(rows, log)
        result = run_affected(request, source, cluster, log=log, progress=progress, parts=parts,
                              planned=planned, keep=setup, keep_only=keep_only, timing=timing)
        for instrument in linked:
            _link_results(source, keeping, instrument)
        source.close()  # the generation read is not held past the switch: the commit removes it
        generation = keeping.commit(setup.plan.context, setup.kept_types())
    return result, setup.report(generation, rows)


def kept_then_compared(frame: pd.DataFrame, plan: Any, load: Callable[[str], Any]) -> pd.DataFrame | None:
    """Keep the results of ``frame``'s row groups (``plan.keep``, a task's :class:`~.keep.KeepPlan`), and return
    the frame to compare: the new results of the types the job compares added (:data:`~.kept_results.NEW_PREFIX`),
    the kept results read only for keeping left out; None for a partition read only to keep its results."""
    instrument = frame_instrument(frame)
    new = keep_rows(frame, plan.keep, load)
    if instrument in plan.keep_only:
        return None
    compared = plan.types.get(instrument)  # None: every type
    old = set(plan.kept_old.get(instrument, ()))
    unused = [K.COLUMN_PREFIX + kind for kind in plan.keep.reused.get(instrument, ()) if kind not in old]
    added = {NEW_PREFIX + kind: values for kind, values in new.items() if compared is None or kind in compared}
    return pd.concat([frame.drop(columns=unused), pd.DataFrame(added, index=frame.index)], axis=1, copy=False)


def _outside_the_job(setup: KeepSetup, manifest: dict, job: dict[str, list[str]]
                     ) -> tuple[list[str], tuple[str, ...]]:
    """Of the instruments kept whose rows the job does not read: (those whose kept files the new generation
    takes as they are: the new context shares every rmap of theirs, kept in the same order; those whose rows
    the job reads only to keep their results)."""
    linked, keep_only = [], []
    for instrument, kinds in setup.plan.types.items():
        if instrument in job:
            continue
        partition = f"{setup.plan.observatory}/{instrument}"
        if not setup.plan.evaluated(instrument) and K.kept_types(manifest, setup.kept_before or "", partition) == kinds:
            linked.append(instrument)
        else:
            keep_only.append(instrument)
    return linked, tuple(keep_only)


def _link_results(store: Any, keeping: K.Keeping, instrument: str) -> None:
    """Stage the kept files of ``instrument``'s row groups as they are (hard links where the file system
    allows)."""
    for [(path, index)], _rows in store.row_group_chunks([instrument], partition_rows=1):
        data_file = os.path.relpath(path, keeping.generation_dir)
        target = K.result_file(keeping.staging, data_file, index)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        link_or_copy(K.result_file(keeping.generation_dir, data_file, index), target)


def _kept_rows(store: Any, setup: KeepSetup) -> int:
    """The datasets whose results are kept: the rows of the kept partitions."""
    counts = store.manifest["counts"]["by_partition"]
    return sum(counts.get(f"{setup.plan.observatory}/{instrument}", 0) for instrument in setup.plan.types)


__all__ = ["kept_then_compared", "run_affected_keeping"]
