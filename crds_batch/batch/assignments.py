"""Recording a context's best references in a store, and using them as the old side of ``affected``.

    crds-batch record-assignments --context hst_0650.pmap --params store/
    crds-batch affected --old-context hst_0650.pmap --new-context hst_0729.pmap --params store/

The recording job evaluates the context for every dataset and type (the results ``affected`` would compute
for its old side) and writes them per row group (:mod:`crds_batch.store.assignments`). ``affected`` then
reads them instead of evaluating the old context, when the recording is of the same rules and covers every
row group it reads. JWST is left out: which types a JWST dataset gets depends on the command (crds's
``--diffs-only`` narrows them differently), so its recorded results could not stand for every run.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..cache import resolve_context
from ..engine.types import BESTREFS
from ..errors import CrdsBatchError
from ..observatories import get_observatory
from ..store import assignments as recordings
from ..store.assignments import COLUMN_PREFIX, Recorded
from .cluster import ClusterOptions, for_job_size
from .graph import ProgressCallback, partition_frames, run_partitions
from .partition import row_instruments
from .rules_bundle import RulesBundle
from .scope import job_rows

#: Observatories whose recorded results can stand for evaluating the context (see the module's note).
RECORDABLE = ("hst", "roman")


@dataclass(frozen=True)
class RecordPlan:
    context: str
    observatory: str
    staging: str


@dataclass(frozen=True)
class RecordSummary:
    recorded: Recorded
    datasets: int


def rules_digest(context_name: str) -> str:
    """The digest of the texts of ``context_name``'s whole closure (what its results depend on)."""
    from ..rules.loading import instrument_closure, load_context

    return RulesBundle.from_names(instrument_closure(load_context(context_name), None)).digest


def recorded_old_side(source: Any, context_name: str, observatory: str, instruments: list[str],
                      log: Callable[[str], None]) -> Recorded | None:
    """The store's recording of ``context_name`` that ``affected`` may read instead of evaluating it, or None."""
    from ..rules.loading import load_context
    from ..store import Store

    if not isinstance(source, Store) or observatory not in RECORDABLE:
        return None
    known = set(load_context(context_name).instruments)  # the others' datasets fail before any lookup
    instruments = [instrument for instrument in instruments if instrument in known]
    if not instruments:
        return None
    found, why = recordings.find_recording(source, context_name, rules_digest(context_name), instruments)
    if found is None:
        if why != "none recorded":
            log(f"Recorded assignments of {context_name} not used ({why}): evaluating it")
        return None
    log(f"Old results of {context_name}: read from the store's recorded assignments")
    return found


def old_results(rows: pd.DataFrame, table: Any, context: Any, reftypes, type_rule: str) -> pd.DataFrame:
    """The old side of a comparison: the recorded columns of ``rows`` where it has them (the types asked for,
    those recorded), the context evaluated for the rest (no recorded column at all: all of it)."""
    from ..engine.evaluate import evaluate

    recorded = {name[len(COLUMN_PREFIX):]: name for name in rows.columns if name.startswith(COLUMN_PREFIX)}
    if not recorded:
        return evaluate(context, table, reftypes=reftypes, type_rule=type_rule)
    wanted = list(recorded) if reftypes is None else list(reftypes)
    have = {kind: rows[recorded[kind]] for kind in wanted if kind in recorded}
    frame = pd.DataFrame(have, index=rows.index)
    missing = [kind for kind in wanted if kind not in recorded]
    if missing:
        frame = pd.concat([frame, evaluate(context, table, reftypes=missing, type_rule=type_rule)], axis=1)
    return frame


def record_worker(frame: pd.DataFrame, plan: RecordPlan, load: Callable[[str], Any]) -> dict:
    """Evaluate the context for one partition and write its results per row group (runs on a Dask worker)."""
    from ..engine.evaluate import encode_table, evaluate

    results = evaluate(load(plan.context), encode_table(frame, plan.observatory), type_rule=BESTREFS)
    recordings.write_groups(plan.staging, frame.attrs["row_groups"], results)
    instruments = {value.lower() for value in row_instruments(frame, plan.observatory) if value}
    return {"types": {instrument: tuple(results.columns) for instrument in instruments}, "datasets": len(frame)}


def record_assignments(context: str, source: Any, cluster: ClusterOptions | None = None, *,
                       log: Callable[[str], None] = lambda message: None,
                       progress: ProgressCallback | None = None) -> RecordSummary:
    """Evaluate ``context`` for every dataset of the store ``source`` and record the results in it."""
    from ..rules.loading import load_context
    from ..store import Store

    if not isinstance(source, Store):
        raise CrdsBatchError("assignments can only be recorded in a parameter store (--params DIR)")
    name = resolve_context(context)
    loaded = load_context(name)
    observatory = loaded.observatory.lower()
    if observatory not in RECORDABLE:
        raise CrdsBatchError(f"{name}: assignments are not recorded for {observatory.upper()} (which types a "
                             "dataset gets depends on the command there)")
    obs = get_observatory(observatory)
    columns = {}
    for store_observatory, instrument in source.instruments():
        if store_observatory != observatory or instrument not in loaded.instruments:
            continue
        keys = {obs.instrument_keyword, *obs.date_keywords, *loaded.get_imap(instrument).required_parkeys()}
        columns[instrument] = sorted(keys)
    if not columns:
        raise CrdsBatchError(f"{source.path}: holds no {observatory.upper()} datasets of an instrument of {name}")
    staging = recordings.start_recording(source, name)
    plan = RecordPlan(name, observatory, staging)
    tasks = partition_frames(source, columns, encoded=True, row_groups=True)
    cluster = for_job_size(cluster or ClusterOptions(), job_rows(source, columns), log)
    results = run_partitions(tasks, plan, record_worker, [*rules_names(name)], cluster, log=log, progress=progress)
    types: dict[str, tuple[str, ...]] = {}
    for result in results:
        types.update(result["types"])
    recorded = recordings.finish_recording(source, name, staging, rules_digest(name), types)
    return RecordSummary(recorded, sum(result["datasets"] for result in results))


def rules_names(context_name: str) -> list[str]:
    """Every mapping of ``context_name``'s closure (shipped to the workers)."""
    from ..rules.loading import instrument_closure, load_context

    return instrument_closure(load_context(context_name), None)
