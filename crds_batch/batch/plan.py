"""Planning an affected-datasets run: which instruments, types, dates and columns."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..cache import load_server_config, locate_mapping, resolve_context
from ..engine.types import BESTREFS, DIFFS, selection_keywords
from ..errors import ContextMismatchError
from ..observatories import get_observatory
from ..store.schema import DATE_KEY
from ..store.selection import normalize_id, parse_since
from ..tools.diff import ContextDiff, datasets_since_auto, diff_contexts
from .compare import CompareOptions
from .. import settings
from .partition import SLICE_CELLS, AffectedPlan


@dataclass(frozen=True)
class AffectedRequest:
    """What the user asked for, with crds bestrefs's switches."""

    old_context: str
    new_context: str
    diffs_only: bool = True
    #: "auto", a date ("2020-01-01" or "2020-01-01 00:00:00"), or None for no cut-off.
    datasets_since: str | None = "auto"
    types: tuple[str, ...] = ()
    #: Only these instruments (lower case); None = every instrument in scope.
    instruments: tuple[str, ...] | None = None
    skip_types: tuple[str, ...] = ()
    only_ids: tuple[str, ...] | None = None
    drop_ids: tuple[str, ...] = ()
    compare: CompareOptions = field(default_factory=CompareOptions)
    allow_bad_rules: bool = False
    allow_bad_references: bool = False
    #: Evaluate the old context even where the store keeps its results (:mod:`crds_batch.store.kept`).
    evaluate_old: bool = False


@dataclass(frozen=True)
class Planned:
    plan: AffectedPlan
    diff: ContextDiff
    #: instrument (lower) -> parameter columns to read.
    columns: dict[str, list[str]]
    mapping_names: tuple[str, ...]


def plan_affected(request: AffectedRequest) -> Planned:
    """Resolve contexts, diff them, and decide the work (client side, before any task runs)."""
    from ..rules.loading import instrument_closure, load_context

    old_name, new_name = resolve_context(request.old_context), resolve_context(request.new_context)
    _check_distinct_files(old_name, new_name)
    old_ctx, new_ctx = load_context(old_name), load_context(new_name)
    observatory = new_ctx.observatory.lower()
    diff = diff_contexts(old_name, new_name)
    skip = frozenset(kind.lower() for kind in request.skip_types)
    if request.diffs_only:
        types = {instr: tuple(sorted(kinds - skip)) for instr, kinds in diff.affected.items()}
        types = {instr: kinds for instr, kinds in types.items() if kinds}
    elif request.types:
        wanted = tuple(sorted({kind.lower() for kind in request.types} - skip))
        types = {instr: wanted for instr in new_ctx.instruments}
    else:
        types = {instr: None for instr in new_ctx.instruments}
    if request.instruments is not None:
        types = {instr: kinds for instr, kinds in types.items() if instr in request.instruments}
    since = _since(request.datasets_since, diff)
    bad_files = load_server_config(observatory).bad_files
    bad_rules, columns, names, counts = {}, {}, {old_name, new_name}, {}
    obs = get_observatory(observatory)
    for instrument, kinds in types.items():
        counts[instrument] = len(kinds) if kinds is not None else len(_imap_types(new_ctx, instrument) - skip)
        closures = []
        for ctx in (old_ctx, new_ctx):
            try:
                closure = instrument_closure(ctx, instrument)
            except Exception:  # instrument absent from this context: its datasets fail, per dataset
                closure = [ctx.basename]
            closures.append(closure)
            names.update(closure)
        bad_rules[instrument] = tuple(tuple(sorted(set(c) & bad_files)) for c in closures)
        columns[instrument] = needed_columns(old_ctx, new_ctx, instrument, obs, kinds)
    plan = AffectedPlan(
        old_context=old_name,
        new_context=new_name,
        observatory=observatory,
        types=types,
        since=since,
        skip_types=skip,
        only_ids=None if request.only_ids is None else frozenset(normalize_id(i) for i in request.only_ids),
        drop_ids=frozenset(normalize_id(i) for i in request.drop_ids),
        options=request.compare,
        bad_rules={k: v for k, v in bad_rules.items() if any(v)},
        bad_references=frozenset(name.lower() for name in bad_files),
        allow_bad_rules=request.allow_bad_rules,
        allow_bad_references=request.allow_bad_references,
        type_rule=DIFFS if request.diffs_only else BESTREFS,
        types_evaluated=counts,
        slice_cells=settings.get_int("slice-cells", SLICE_CELLS),
    )
    return Planned(plan, diff, columns, tuple(sorted(names)))


def _check_distinct_files(old_name: str, new_name: str) -> None:
    """Refuse two different files of one name (an edited copy beside the cache's): the rules travel by name."""
    old_path, new_path = locate_mapping(old_name), locate_mapping(new_name)
    if os.path.basename(old_path) == os.path.basename(new_path) and old_path != new_path:
        raise ContextMismatchError(
            f"--old-context {old_path} and --new-context {new_path} are two files of one name: "
            "give the edited copy a new name (CRDS mapping names are versions)")


def _since(spec: str | None, diff: ContextDiff):
    if spec is None or spec.lower() == "none":
        return None
    if spec.lower() == "auto":
        return datasets_since_auto(diff)
    return parse_since(spec)


def _imap_types(context, instrument: str) -> set[str]:
    """The types of ``instrument``'s imap in ``context`` (none when the context cannot load it)."""
    try:
        return set(context.get_imap(instrument).filekinds)
    except Exception:  # its datasets fail, per dataset
        return set()


def needed_columns(old_ctx, new_ctx, instrument: str, obs, kinds: tuple[str, ...] | None = None) -> list[str]:
    """The parameter columns a job reads for ``instrument``: what the types ``kinds`` (None: every type) of both
    contexts read (:func:`~crds_batch.engine.compile.rmap_reads`), the instrument-level keys, the instrument and
    date keywords, and the store's normalized date (:data:`~crds_batch.store.schema.DATE_KEY`). A JWST job reads
    every key of the instruments (its datasets' types are chosen from them)."""
    keys = {obs.instrument_keyword, *obs.date_keywords, DATE_KEY, *selection_keywords(obs.name)}
    for ctx in (old_ctx, new_ctx):
        try:
            imap = ctx.get_imap(instrument)
            keys.update(imap.required_parkeys() if kinds is None or obs.name == "jwst" else _types_reads(ctx, imap, kinds))
        except Exception:
            continue
    return sorted(keys)


def _types_reads(ctx, imap, kinds: tuple[str, ...]) -> set[str]:
    """The keys the evaluation of ``imap``'s types ``kinds`` reads, with the instrument-level keys."""
    from ..engine.compile import rmap_reads

    instrument_keys = imap.required_parkeys() + [ctx.instrument_key]
    keys = set(imap.parkey) | set(imap.extra_keys)
    for kind in kinds:
        child = imap.child(kind) if kind in imap.selections else None
        if child is not None and not isinstance(child, str):  # special values (N/A, OMIT) read nothing
            keys |= rmap_reads(child, instrument_keys)
    return keys
