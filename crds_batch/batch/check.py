"""The context-check job: best references of one context for every dataset, errors grouped into classes.

The same graph as the affected job (:mod:`.graph`), with one context:

    -> read every instrument's partitions (the columns the rules and dates need)
    -> per partition: evaluate the new context (all types, or --types); normalize
       each result as crds bestrefs does and track errors; with compare-source,
       compare with the assignments recorded in the parameters (DARKFILE, R_DARK...)
    -> gather small frames -> CheckResult (unique error classes, updates, tallies)

Without compare-source every successful result is an "update" from nothing,
as crds bestrefs screens results when it has nothing to compare with.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..cache import load_server_config, resolve_context
from ..engine.types import BESTREFS, selection_keywords
from ..observatories import get_observatory
from ..observatories.keyword_data import JWST_REFERENCE_KEYWORDS
from ..store.schema import DATE_KEY
from ..store.selection import normalize_id
from .cluster import ClusterOptions, for_job_size, prepare_local_workers
from .compare import CompareOptions, compare_type, normalize_column
from .error_rows import error_frame_of_pieces
from .frames import concat_frames
from .graph import ProgressCallback, partition_frames, run_partitions
from .partition import (BAD_REFERENCE_MESSAGE, CHANGE_COLUMNS, ERROR_COLUMNS, TALLY_COLUMNS, AffectedPlan,
                        PartitionResult, _bad_rules_errors, _changes, _dataset_errors, _lookup_errors,
                        drop_failed, partition_result, select_rows)
from .results import CHANGES_FILE, AffectedResult, sorted_ids
from .scope import check_scope, dataset_counts, job_rows, store_rows
from .timing import JobTiming
from .unresolved import UnresolvedStops

#: Key of ``AffectedPlan.bad_rules`` for instruments the context does not have.
ANY_INSTRUMENT = "*"
#: Name of the old side in compare-source mode, as crds calls it.
RECORDED = "recorded bestrefs"


@dataclass(frozen=True)
class CheckRequest:
    """What the user asked for, with crds bestrefs's switches.

    Attributes
    ----------
    new_context : str
        The context to check (.pmap name or symbolic).
    compare_source : bool
        Compare with the assignments recorded in the parameters (crds --compare-source-bestrefs).
    update_pickle : bool
        Keep every new result, failed ones included, for writing back to a save (crds --update-pickle).
    """

    new_context: str
    types: tuple[str, ...] = ()
    skip_types: tuple[str, ...] = ()
    instruments: tuple[str, ...] | None = None
    only_ids: tuple[str, ...] | None = None
    drop_ids: tuple[str, ...] = ()
    datasets_since: str | None = None
    compare_source: bool = False
    compare: CompareOptions = field(default_factory=CompareOptions)
    allow_bad_rules: bool = False
    allow_bad_references: bool = False
    update_pickle: bool = False


@dataclass(frozen=True)
class CheckPlan:
    """What every partition task needs besides the data and the rules."""

    base: AffectedPlan
    #: instrument (lower) -> every type of its imap (compare-source compares all of them, as crds).
    imap_types: dict[str, tuple[str, ...]]
    update_pickle: bool = False


@dataclass(frozen=True)
class PlannedCheck:
    plan: CheckPlan
    columns: dict[str, list[str]]
    mapping_names: tuple[str, ...]


def recorded_keyword(observatory: str, filekind: str) -> str | None:
    """Where a dataset records its assigned reference of ``filekind`` (crds locate.filekind_to_keyword).

    HST: the type name upper case (DARKFILE); JWST: its FITS keyword (R_DARK),
    else the type name; Roman defines none (None: crds fails such datasets).
    """
    kind = filekind.upper()
    if observatory == "hst":
        return kind
    if observatory == "jwst":
        return JWST_REFERENCE_KEYWORDS.get(kind, kind)
    return None


def plan_check(request: CheckRequest) -> PlannedCheck:
    """Resolve the context and decide the work (client side, before any task runs)."""
    from ..rules.loading import instrument_closure, load_context
    from ..store.selection import parse_since

    name = resolve_context(request.new_context)
    context = load_context(name)
    observatory = context.observatory.lower()
    obs = get_observatory(observatory)
    skip = frozenset(kind.lower() for kind in request.skip_types)
    wanted = tuple(sorted({kind.lower() for kind in request.types})) or None
    instruments = [i for i in context.instruments
                   if request.instruments is None or i in request.instruments]
    bad_files = load_server_config(observatory).bad_files
    types, imap_types, columns, bad_rules, names, counts = {}, {}, {}, {}, {name}, {}
    for instrument in instruments:
        types[instrument] = wanted
        try:
            imap = context.get_imap(instrument)
        except Exception:  # an instrument the context cannot load: its datasets fail, per dataset
            imap = None
        # crds checks the imap's closure for bad rules, the whole context when the imap fails.
        closure = instrument_closure(context, instrument)
        names.update(closure if imap is not None else [name])
        bad = tuple(sorted(set(closure) & bad_files))
        if bad:
            bad_rules[instrument] = ((), bad)
        kinds = tuple(sorted(imap.filekinds)) if imap is not None else ()
        imap_types[instrument] = kinds
        counts[instrument] = len(set(wanted or kinds) - skip)
        needed = {obs.instrument_keyword, *obs.date_keywords, DATE_KEY, *selection_keywords(observatory)}
        if imap is not None:
            needed.update(imap.required_parkeys())
        if request.compare_source:
            for kind in kinds:
                keyword = recorded_keyword(observatory, kind)
                needed.update({kind.upper(), *([keyword] if keyword else [])})
        columns[instrument] = sorted(needed)
    whole = tuple(sorted(set(instrument_closure(context, None)) & bad_files))
    if whole:
        bad_rules[ANY_INSTRUMENT] = ((), whole)  # datasets of instruments the context lacks
    base = AffectedPlan(
        old_context=RECORDED if request.compare_source else "",
        new_context=name,
        observatory=observatory,
        types=types,
        since=parse_since(request.datasets_since) if request.datasets_since else None,
        skip_types=skip,
        only_ids=None if request.only_ids is None else frozenset(normalize_id(i) for i in request.only_ids),
        drop_ids=frozenset(normalize_id(i) for i in request.drop_ids),
        options=request.compare,
        bad_rules=bad_rules,
        bad_references=frozenset(n.lower() for n in bad_files),
        allow_bad_rules=request.allow_bad_rules,
        allow_bad_references=request.allow_bad_references,
        old_source="recorded" if request.compare_source else "none",
        types_evaluated=counts,
    )
    return PlannedCheck(CheckPlan(base, imap_types, request.update_pickle), columns, tuple(sorted(names)))


def check_partition(frame: pd.DataFrame, check: CheckPlan, context) -> PartitionResult:
    """Evaluate ``context`` for one partition's datasets; normalize, compare, track errors."""
    from ..engine.evaluate import evaluate  # heavy import, only on workers

    plan = check.base
    selected = select_rows(frame, plan)
    frame, instruments = selected.frame, selected.instruments
    if frame.empty:
        return PartitionResult.empty(selected)
    compare_source = plan.old_source == "recorded"
    changes, errors, affected, new_frames = [], [], [], []
    for instrument in sorted(set(instruments)):
        rows = frame.loc[instruments == instrument]
        ids = rows["dataset_id"].to_numpy(dtype=object)
        key = instrument.lower()
        if instrument:
            # crds checks the context for bad rules before it tries the lookups.
            errors.extend(_bad_rules_errors(ids, instrument, plan, None if key in plan.types else ANY_INSTRUMENT))
        problem = _dataset_problem(instrument, key, plan, context, compare_source)
        if problem:
            errors.append(_dataset_errors(ids, instrument, problem))
            continue
        new = evaluate(context, rows, reftypes=plan.types[key], type_rule=BESTREFS)
        old = _recorded(rows, plan.observatory, check.imap_types[key]) if compare_source else {}
        killed = np.zeros(len(rows), dtype=bool)
        updated = np.zeros(len(rows), dtype=bool)
        stops = UnresolvedStops(len(rows))
        instrument_changes, error_pieces = [], []
        for filekind in sorted(set(new.columns) | set(old), key=str.upper):
            if filekind in plan.skip_types:
                continue
            if not compare_source and not check.update_pickle:
                screened = _screen_errors(filekind, new.get(filekind), len(ids), plan, stops)
                if screened is not None:
                    error_pieces.extend(screened)
                    continue
            result = compare_type(old.get(filekind), new.get(filekind), plan.options)
            if not compare_source:
                # Nothing to compare with: crds only screens the new results; every usable one is an update.
                result["update"] = result["present"] & ~result["killed"]
                result["old"] = np.full(len(rows), None, dtype=object)
                result["old_error"] = np.full(len(rows), None, dtype=object)
                result["difference_error"] = np.zeros(len(rows), dtype=bool)
            if check.update_pickle:
                # crds --update-pickle keeps failed results as updates too.
                result["update"] = result["update"] | result["killed"]
            stops.apply(result, filekind, old.get(filekind), new.get(filekind), with_old=compare_source)
            killed |= result["killed"]
            updated |= result["update"]
            if compare_source:
                instrument_changes.append(_changes(ids, instrument, filekind, result))
            error_pieces.extend(piece for _kind, piece in _lookup_errors(filekind, result, plan))
        if error_pieces:
            errors.append(error_frame_of_pieces(ids, key, error_pieces))
        changes.extend(drop_failed(instrument_changes, ids[stops.failed]))
        errors.extend(stops.errors(ids, rows, instrument, None, context))
        if check.update_pickle:  # a dataset crds failed as a whole keeps its parameters only
            kept = pd.concat([rows[["dataset_id"]].reset_index(drop=True),
                              new.reset_index(drop=True).astype(object)], axis=1)
            new_frames.append(kept.loc[stops.alive])
        if compare_source:
            affected.extend(ids[updated & ~killed & ~stops.failed].tolist())
    extra = {"new_results": pd.concat(new_frames, ignore_index=True)} if new_frames else {}
    return partition_result(selected, changes, errors, affected, extra)


def _screen_errors(filekind: str, column: pd.Series | None, count: int, plan: AffectedPlan,
                   stops: UnresolvedStops) -> list[tuple] | None:
    """The error rows of one type's new results (of ``count`` rows) with nothing to compare with, as
    :func:`~.error_rows.error_frame_of_pieces` pieces, or None when a result is unresolved (the caller's
    full comparison stops those datasets).

    What :func:`compare_type` and :func:`_lookup_errors` give without an old side (failed lookups;
    bad references among the usable results), worked out on the column's distinct values and
    broadcast by codes, for the rows still alive (not failed at an earlier type).
    """
    if column is None:
        return []
    normalized = normalize_column(column, count, "New:", plan.options)
    if normalized.unresolved.any():
        return None
    absent = len(normalized.value) - 1  # normalize_column's slot for rows without the type
    rows = (normalized.codes != absent) & stops.alive
    pieces = []
    mask = rows & normalized.has_error()[normalized.codes]
    if mask.any():
        pieces.append((np.flatnonzero(mask), filekind, "error", normalized.error_texts(mask)))
    if plan.bad_references:
        bad = np.array([str(value).lower() in plan.bad_references for value in normalized.value], dtype=bool)
        mask = rows & (normalized.ok & bad)[normalized.codes]
        if mask.any():
            messages = [BAD_REFERENCE_MESSAGE.format(reference=ref) for ref in normalized.value[normalized.codes[mask]]]
            pieces.append((np.flatnonzero(mask), filekind, "warning" if plan.allow_bad_references else "error",
                           messages))
    return pieces


def _dataset_problem(instrument: str, key: str, plan: AffectedPlan, context, compare_source: bool) -> str | None:
    """Why crds would fail a whole dataset of ``instrument`` ("Failed processing"), or None."""
    if not instrument:
        return "Failed processing: 'No instrument keyword defined in header.'"
    if key not in plan.types:
        return f"Failed processing: Unknown instrument {instrument!r} for {plan.new_context!r}"
    try:
        context.get_imap(instrument)
    except Exception as exc:  # the rules' own one-line reason
        return f"Failed processing: {exc}"
    if compare_source and recorded_keyword(plan.observatory, "any") is None:
        return f"Failed processing: filekind_to_keyword not implemented for {plan.observatory.capitalize()}"
    return None


def _recorded(rows: pd.DataFrame, observatory: str, kinds: tuple[str, ...]) -> dict[str, pd.Series]:
    """The assignments recorded in the parameters for every imap type (crds get_old_bestrefs).

    The type's keyword if the dataset has it, else the type name, else ``UNDEFINED``.
    """
    recorded = {}
    for kind in kinds:
        value = pd.Series(np.full(len(rows), "UNDEFINED", dtype=object), index=rows.index)
        for name in (kind.upper(), recorded_keyword(observatory, kind)):  # keyword last: it wins
            if name and name in rows.columns:
                column = rows[name].astype(object)
                value = column.where(column.notna(), value)
        recorded[kind] = value.astype(str).reset_index(drop=True)
    return recorded


def _with_unknown_instruments(planned: PlannedCheck, source: Any,
                              instruments: tuple[str, ...] | None = None) -> dict[str, list[str]]:
    """Also read the observatory's datasets of instruments the context lacks: crds fails each of them.

    Instruments the context has but ``--instruments`` left out are not read at all.
    """
    from ..rules.loading import load_context

    plan = planned.plan.base
    columns = dict(planned.columns)
    known = set(load_context(plan.new_context).instruments)
    keyword = get_observatory(plan.observatory).instrument_keyword
    for observatory, instrument in source.instruments():
        name = instrument.lower()
        if observatory.lower() != plan.observatory or name in columns or name in known:
            continue
        if instruments is None or name in instruments:
            columns[name] = [keyword]
    return columns


def check_worker(frame: pd.DataFrame, plan: CheckPlan, load: Callable[[str], Any]) -> PartitionResult:
    """The check job's per-partition work (runs on a Dask worker)."""
    return check_partition(frame, plan, load(plan.base.new_context))


@dataclass
class CheckResult(AffectedResult):
    """An AffectedResult with one context: errors, updates from recorded assignments, new results."""

    new_results: pd.DataFrame | None = None

    def summary(self) -> dict:
        summary = super().summary()
        unique = self.unique_errors()
        summary.update({
            "old_context": self.plan.old_context or None,
            "error_classes": len(unique.classes),
            "errors": unique.total,
            "untracked_errors": unique.untracked,
            "datasets_failed": self.failed_datasets(),
        })
        return summary

    def outputs(self) -> dict[str, Callable[[str], None]]:
        """changes.parquet, errors.parquet, error_classes.csv, summary.json: no affected list or update counts."""
        inherited = super().outputs()
        return {
            CHANGES_FILE: inherited[CHANGES_FILE],
            "errors.parquet": inherited["errors.parquet"],
            "error_classes.csv": lambda path: self.unique_errors().to_frame().to_csv(path, index=False),
            "summary.json": inherited["summary.json"],
        }


def run_check(
    request: CheckRequest,
    source: Any,
    cluster: ClusterOptions | None = None,
    *,
    log: Callable[[str], None] = lambda message: None,
    progress: ProgressCallback | None = None,
    timing: JobTiming | None = None,
) -> CheckResult:
    """Best references of ``request.new_context`` for every dataset of ``source``, errors classified.

    Parameters
    ----------
    request : CheckRequest
        The context and crds bestrefs switches.
    source : Store-like
        A :class:`crds_batch.store.Store` (``instruments()``, ``schema()``, ``delayed_partitions()``).
    cluster : ClusterOptions, optional
        Where to run; default a LocalCluster (the same options as the affected job), or this process
        for a job below the ``cluster-threshold`` setting when no cluster option is given.
    log, progress : callables
        Messages and ``progress(done, total)`` over partitions.
    timing : JobTiming, optional
        When the job's cluster was ready and its last partition done (:func:`~.graph.run_partitions`).

    Returns
    -------
    CheckResult
        ``unique_errors()`` gives crds's error classes; with compare-source,
        ``new_reference_lines()`` gives crds's --print-new-references lines.
    """
    prepare_local_workers(cluster or ClusterOptions(), store_rows(source))  # its imports overlap the planning
    planned = plan_check(request)
    log(f"Checking {planned.plan.base.new_context}"
        + (" against the recorded assignments" if request.compare_source else ""))
    columns = _with_unknown_instruments(planned, source, request.instruments)
    tasks = partition_frames(source, columns, encoded=True, types_evaluated=planned.plan.base.types_evaluated)
    check_scope(source, planned.plan.base.observatory, planned.plan.base.new_context, request.instruments)
    cluster = for_job_size(cluster or ClusterOptions(), job_rows(source, columns), log)
    results = run_partitions(tasks, planned.plan, check_worker, planned.mapping_names, cluster,
                             log=log, progress=progress, timing=timing)
    new_results = [r.extra.get("new_results") for r in results]
    return CheckResult(
        plan=planned.plan.base,
        changes=concat_frames([r.changes for r in results], CHANGE_COLUMNS),
        errors=concat_frames([r.errors for r in results], ERROR_COLUMNS),
        affected_ids=sorted_ids([r.affected_ids for r in results]),
        datasets=sum(r.datasets for r in results),
        tally=concat_frames([r.tally for r in results], TALLY_COLUMNS),
        new_results=concat_frames(new_results, ["dataset_id"]) if request.update_pickle else None,
        counts=dataset_counts(source, planned.plan.base.observatory, columns, results),
    )
