"""One partition of the affected-datasets job: pandas in, small result frames out.

Runs on a Dask worker. The rules arrive as a :class:`~.rules_bundle.RulesBundle`
(shipped to each worker once); the partition holds one row per dataset with
CRDS parameter columns and a ``dataset_id`` column.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..observatories import get_observatory
from ..tools.diff import DATE_TIME_PAIRS, MIN_DATE
from .compare import CompareOptions, compare_type, error_messages
from .kept_results import old_and_new_results
from .error_rows import STR, error_frame as _error_frame, error_frame_of_pieces
from .frames import concat_frames
from .parts import PartSummary, ResultParts, summarize
from .tally import TALLY_COLUMNS, tally
from .unresolved import UnresolvedStops

CHANGE_COLUMNS = ["dataset_id", "instrument", "filekind", "old", "new", "status"]
ERROR_COLUMNS = ["dataset_id", "instrument", "filekind", "message", "level"]
BAD_RULES_MESSAGE = ("{which}-context = {context!r} is bad or contains bad rules.  "
                     "Use is not recommended,  results may not be scientifically valid.")
BAD_REFERENCE_MESSAGE = "File {reference!r} is bad. Use is not recommended,  results may not be scientifically valid."

#: Rows x types evaluated and compared at a time within a partition task (setting ``slice-cells``): the task's
#: working set (both contexts' results of every type, their comparisons) grows with both. At 10M datasets,
#: all types, the largest worker peaked at 1.1 GB evaluating ~240k STIS rows (32 types) at once, 0.8 GB in
#: slices of 125k rows, for ~10% more CPU (each slice pays the engine's per-evaluation costs again); this
#: budget keeps those slices and evaluates the rows of instruments with fewer types (e.g. the changed types
#: of --diffs-only) in larger ones.
SLICE_CELLS = 125_000 * 32


@dataclass(frozen=True)
class AffectedPlan:
    """Everything a partition task needs to know besides the rules and the data."""

    old_context: str
    new_context: str
    observatory: str
    #: instrument (lower) -> types to compare; None = every type of the instrument's imap.
    types: dict[str, tuple[str, ...] | None]
    #: instrument (lower) -> earliest 'DATE TIME' to process (missing -> all); or one date for all.
    since: dict[str, str] | str | None = None
    skip_types: frozenset[str] = frozenset()
    only_ids: frozenset[str] | None = None
    drop_ids: frozenset[str] = frozenset()
    options: CompareOptions = field(default_factory=CompareOptions)
    #: instrument (lower) -> bad mappings in the (old, new) context closure.
    bad_rules: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    bad_references: frozenset[str] = frozenset()
    allow_bad_rules: bool = False
    allow_bad_references: bool = False
    #: Where old results come from: "context" (old_context), "recorded" (the assignments
    #: recorded in the parameters, crds --compare-source-bestrefs) or "none" (new results only).
    old_source: str = "context"
    #: How JWST datasets' pipelines narrow the types (crds_batch.engine.types): "bestrefs", or
    #: "diffs" when ``types`` are the changed types of --diffs-only.
    type_rule: str = "bestrefs"
    #: Where partition tasks write their bulky results (None: they return them as frames).
    parts: ResultParts | None = None
    #: instrument (lower) -> how many types its datasets are evaluated for (its slices' rows; its partitions'
    #: share of the work, :func:`~.graph.row_cost`); an instrument not listed counts as one type.
    types_evaluated: dict[str, int] = field(default_factory=dict)
    #: Rows x types evaluated at a time in a partition task (:data:`SLICE_CELLS`).
    slice_cells: int = SLICE_CELLS
    #: instrument (lower) -> types whose old results the partitions' frames hold, kept by the store
    #: (:mod:`.kept_results`): read, not evaluated.
    kept_old: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: ``affected --keep-new-results`` (:mod:`.keep_new`): the :class:`~.keep.KeepPlan` under which each task keeps
    #: its row groups' results in the new context (their frames say which rows are of which row group), then
    #: compares with them.
    keep: Any = None
    #: Instruments whose partitions the job reads only to keep their results (no type of theirs compared).
    keep_only: frozenset[str] = frozenset()

    def slice_rows(self, instrument: str) -> int:
        """Rows of ``instrument`` (lower case) evaluated at a time in a partition task: ``slice_cells`` over its
        types evaluated."""
        return max(1, self.slice_cells // max(self.types_evaluated.get(instrument, 1), 1))


def exposure_times(frame: pd.DataFrame) -> pa.Array:
    """crds's EXPTIME of each row: the first date/time keyword pair present, joined; else 1900-01-01 (Arrow strings)."""
    found = None
    for pair in DATE_TIME_PAIRS:
        if not all(name in frame.columns for name in pair):
            continue
        parts = [_arrow_strings(frame[name]) for name in pair]
        joined = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, " ")  # null if any is
        found = joined if found is None else pc.coalesce(found, joined)
    if found is None:
        return pa.array(np.full(len(frame), MIN_DATE, dtype=object), pa.string())
    found = pc.fill_null(found, MIN_DATE)
    return found.combine_chunks() if isinstance(found, pa.ChunkedArray) else found


def _arrow_strings(column: pd.Series) -> pa.Array:
    """A column as an Arrow string array (missing values null), without a Python loop for Arrow-backed or
    Categorical (the store's encoded read) string columns."""
    if isinstance(column.dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(column.cat.categories):
        return pa.array(column.array).cast(pa.string())  # dictionary decoded by Arrow
    strings = column if isinstance(column.dtype, pd.StringDtype) else column.astype("string")
    array = pa.array(strings.array)
    return array.cast(pa.string()) if array.type != pa.string() else array


def row_instruments(frame: pd.DataFrame, observatory: str) -> np.ndarray:
    """Upper-case instrument of each row (fixers applied), '' when absent."""
    codes, names = row_instrument_codes(frame, observatory)
    return np.array(names, dtype=object)[codes]


def row_instrument_codes(frame: pd.DataFrame, observatory: str) -> tuple[np.ndarray, list[str]]:
    """:func:`row_instruments` as each row's code into a list of distinct names."""
    obs = get_observatory(observatory)
    keyword = obs.instrument_keyword
    for candidate in (keyword, "INSTRUME", "META.INSTRUMENT.NAME", "INSTRUMENT"):
        if candidate in frame.columns:
            # Per distinct value (a partition holds one or a few instruments), then per row by code.
            codes, uniques = pd.factorize(frame[candidate], use_na_sentinel=True)
            upper = [str(value).strip().upper() for value in uniques] + [""]  # code -1: missing -> ''
            fixed = [obs.instrument_fixers.get(value, value) for value in upper]
            names = list(dict.fromkeys(fixed))
            remap = np.array([names.index(value) for value in fixed], dtype=np.int32)
            return remap[codes], names
    return np.zeros(len(frame), dtype=np.int32), [""]


@dataclass
class SelectedRows:
    """A partition's rows to process, with what every step reads of them."""

    frame: pd.DataFrame
    instruments: np.ndarray  # upper case, '' when absent
    #: crds's EXPTIME text, of every row read when ``exposure_rows`` is given (which of them the rows are),
    #: else of the rows: the times are read only per partition (the tally), so they are not copied per row.
    exposure_times: pa.Array | np.ndarray
    #: Rows read but left out: by --only-ids/--drop-ids, then (of the rest) by --datasets-since.
    filtered_ids: int = 0
    before_since: int = 0
    #: ``instruments`` as each row's code into distinct names, when known (:func:`row_instrument_codes`).
    instrument_codes: tuple[np.ndarray, list[str]] | None = None
    exposure_rows: np.ndarray | None = None

    def instrument_coding(self) -> tuple[np.ndarray, list[str]]:
        """Each row's instrument as a code into a list of distinct names."""
        if self.instrument_codes is None:
            codes, names = pd.factorize(self.instruments)
            self.instrument_codes = (codes, list(names))
        return self.instrument_codes


def select_rows(frame: pd.DataFrame, plan: AffectedPlan) -> SelectedRows:
    """The rows to process: id filters and --datasets-since, as crds applies them."""
    codes, names = row_instrument_codes(frame, plan.observatory)
    exptimes = exposure_times(frame)
    keep = np.ones(len(frame), dtype=bool)
    filtered_ids = 0
    if plan.drop_ids or plan.only_ids is not None:
        ids = frame["dataset_id"].astype(str).str.upper()
        if plan.drop_ids:
            keep &= ~ids.isin(plan.drop_ids).to_numpy()
        if plan.only_ids is not None:
            keep &= ids.isin(plan.only_ids).to_numpy()
        filtered_ids = int((~keep).sum())
    if plan.since:
        # Compared as Arrow strings (UTF-8 byte order is Python's code point order), per instrument's date.
        if isinstance(plan.since, str):
            keep &= pc.greater_equal(exptimes, plan.since).to_numpy(zero_copy_only=False)
        else:
            present = np.flatnonzero(np.bincount(codes, minlength=len(names)))
            since = [plan.since.get(names[code].lower(), MIN_DATE) for code in present.tolist()]
            for date in set(since):
                before = ~pc.greater_equal(exptimes, date).to_numpy(zero_copy_only=False)
                if len(since) > 1:
                    dated = np.zeros(len(names), dtype=bool)
                    dated[[code for code, other in zip(present.tolist(), since) if other == date]] = True
                    before &= dated[codes]
                keep &= ~before
    if keep.all():
        return SelectedRows(frame, np.array(names, dtype=object)[codes], exptimes, instrument_codes=(codes, names))
    before_since = int((~keep).sum()) - filtered_ids
    rows = np.flatnonzero(keep)
    codes = codes[rows]
    return SelectedRows(frame.take(rows), np.array(names, dtype=object)[codes], exptimes, filtered_ids, before_since,
                        instrument_codes=(codes, names), exposure_rows=rows)


@dataclass
class PartitionResult:
    """What one partition contributes: small frames, gathered by the client."""

    changes: pd.DataFrame
    errors: pd.DataFrame
    affected_ids: list[str] | pa.Array  # the affected job gives an Arrow string array
    datasets: int
    tally: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TALLY_COLUMNS))
    #: Optional per-job extras (e.g. the new results of every type, for --update-pickle).
    extra: dict = field(default_factory=dict)
    #: Rows read but skipped (see :class:`SelectedRows`).
    filtered_ids: int = 0
    before_since: int = 0
    #: Set when the changes and affected ids were written as parts (``changes``/``affected_ids`` then empty).
    parts: PartSummary | None = None
    #: (change rows, updates per (instrument, type)) when the change rows were only counted, not made: a run
    #: with parts that neither saves nor prints them (``changes`` then empty).
    change_counts: tuple[int, dict[tuple[str, str], int]] | None = None

    @classmethod
    def empty(cls, selected: SelectedRows | None = None) -> PartitionResult:
        skipped = (selected.filtered_ids, selected.before_since) if selected is not None else (0, 0)
        return cls(pd.DataFrame(columns=CHANGE_COLUMNS), pd.DataFrame(columns=ERROR_COLUMNS), [], 0,
                   filtered_ids=skipped[0], before_since=skipped[1])


def row_outcomes(frame: pd.DataFrame, affected, failed) -> np.ndarray:
    """Per row: 2 when its id is among ``failed``, else 1 when among ``affected``, else 0 (arrays or lists of ids)."""
    # Membership tested by Arrow on the ids as stored (no Python string per row).
    ids = _arrow_strings(frame["dataset_id"])
    return np.where(_is_in(ids, failed), 2, np.where(_is_in(ids, affected), 1, 0))


def _is_in(ids: pa.Array, values) -> np.ndarray:
    """Which ``ids`` are among ``values`` (a list or array of id strings), as a boolean array."""
    if not len(values):
        return np.zeros(len(ids), dtype=bool)
    value_set = values if isinstance(values, pa.Array) else pa.array(np.asarray(values, dtype=object), pa.string())
    return pc.is_in(ids, value_set=value_set).to_numpy(zero_copy_only=False)


def affected_partition(frame: pd.DataFrame, plan: AffectedPlan, old_context, new_context) -> PartitionResult:
    """Compare old and new best references for the datasets of one partition."""
    selected = select_rows(frame, plan)
    frame = selected.frame
    if frame.empty:
        return PartitionResult.empty(selected)
    changes, errors, affected = [], [], []
    # A run that neither saves nor prints its change rows needs only their counts (no frame of them).
    counted: dict[tuple[str, str], int] | None = (
        {} if plan.parts is not None and not (plan.parts.changes or plan.parts.lines) else None)
    counted_rows = 0
    # Per row of the partition: 1 affected, 2 failed (any error), for the tally; known from the masks below.
    outcomes = np.zeros(len(frame), dtype=np.int8)
    all_ids = dataset_ids(frame)  # Arrow-backed strings: no Python string per row
    codes, names = selected.instrument_coding()
    present = sorted((names[code], code) for code in np.flatnonzero(np.bincount(codes, minlength=len(names))))
    for instrument, code in present:
        # A store partition holds one instrument: no copy of its rows then.
        positions = slice(None) if len(present) == 1 else np.flatnonzero(codes == code)
        rows = frame if len(present) == 1 else frame.iloc[positions]
        ids = all_ids if len(present) == 1 else all_ids[positions]
        key = instrument.lower()
        if key not in plan.types:
            errors.append(_dataset_errors(ids, instrument, f"Unknown instrument {instrument!r} for {plan.new_context!r}"
                                          if instrument else "Missing instrument keyword"))
            outcomes[positions] = 2
            continue
        problem = _instrument_problem(instrument, old_context, new_context)
        if problem:
            errors.append(_dataset_errors(ids, instrument, problem))
            outcomes[positions] = 2
            continue
        errors.extend(_bad_rules_errors(ids, instrument, plan))
        pieces = _row_slices(len(rows), plan.slice_rows(key))
        found, slice_outcomes = _SliceFindings(), []
        for number, piece in enumerate(pieces):
            piece_rows = rows if len(pieces) == 1 else rows.iloc[piece]
            piece_ids = ids if len(pieces) == 1 else ids[piece]
            piece_affected, outcome = _compare_rows(piece_rows, piece_ids, instrument, plan, old_context, new_context,
                                                    found, number, piece.start)
            affected.append(piece_affected)
            slice_outcomes.append(outcome)
        # In the order of one pass over all rows: per type, each kind of error row, in row order.
        if found.error_pieces:
            errors.append(error_frame_of_pieces(ids, key, _in_key_order(found.error_pieces)))
        errors.extend(_in_key_order(found.stop_errors))
        if counted is None:
            changes.append(_frame_of_changes(ids, instrument, _in_key_order(found.changes)))
        else:
            counted_rows += _count_pieces(instrument, found.changes, counted)
        outcomes[positions] = np.concatenate(slice_outcomes)
    chunks = [chunk for ids in affected for chunk in pa.chunked_array(pa.array(ids)).chunks]
    affected_ids = pa.concat_arrays(chunks).cast(pa.string()) if chunks else pa.array([], pa.string())
    result = partition_result(selected, changes, errors, affected_ids, outcomes=outcomes)
    if counted is not None:
        result.change_counts = (counted_rows, counted)
    return result


def _count_pieces(instrument: str, keyed_pieces: list[tuple], counted: dict[tuple[str, str], int]) -> int:
    """Add the updates of :func:`_change_pieces`' pieces (keyed as :class:`_SliceFindings` keeps them) per
    (instrument, type) to ``counted``, as :func:`~.parts.count_updates` counts a frame of them; return their
    change rows."""
    rows = 0
    for _key, (filekind, positions, killed, *_rest) in keyed_pieces:
        rows += len(positions)
        updates = len(positions) - int(np.count_nonzero(killed))
        if updates:
            key = (instrument.lower(), filekind)
            counted[key] = counted.get(key, 0) + updates
    return rows


@dataclass
class _SliceFindings:
    """What the slices of an instrument's rows find, each item keyed by what orders it as one pass over all
    the rows would give it: (type, kind of error, slice) or (type, slice)."""

    #: Lookup errors, :func:`_lookup_errors`'s pieces with rows counted from the instrument's first row.
    error_pieces: list = field(default_factory=list)
    #: Frames of the datasets stopped at an unresolved result (after all the lookup errors).
    stop_errors: list = field(default_factory=list)
    #: :func:`_change_pieces`.
    changes: list = field(default_factory=list)


def _in_key_order(keyed: list[tuple]) -> list:
    return [item for _key, item in sorted(keyed, key=lambda pair: pair[0])]


def _row_slices(count: int, size: int) -> list[slice]:
    """``count`` rows cut into slices of at most ``size`` rows, of nearly equal length."""
    pieces = max(1, -(-count // max(size, 1)))
    bounds = [count * i // pieces for i in range(pieces + 1)]
    return [slice(start, end) for start, end in zip(bounds, bounds[1:])]


def _compare_rows(rows: pd.DataFrame, ids, instrument: str, plan: AffectedPlan, old_context, new_context,
                  found: _SliceFindings, number: int, offset: int) -> tuple[Any, np.ndarray]:
    """Evaluate and compare one slice (``number``, from row ``offset`` of the instrument's rows): its affected ids
    and each row's outcome (0 ok, 1 affected, 2 failed). Its errors and changes go to ``found``."""
    from ..engine.evaluate import encode_table, evaluate  # heavy import, only on workers

    reftypes = plan.types[instrument.lower()]
    table = encode_table(rows, plan.observatory)  # one encoding for both contexts
    if instrument.lower() in plan.kept_old or plan.keep is not None:
        old, new = old_and_new_results(rows, table, instrument, plan, old_context, new_context)
    else:
        old = evaluate(old_context, table, reftypes=reftypes, type_rule=plan.type_rule)
        new = evaluate(new_context, table, reftypes=reftypes, type_rule=plan.type_rule)
    killed = np.zeros(len(rows), dtype=bool)
    updated = np.zeros(len(rows), dtype=bool)
    failed = np.zeros(len(rows), dtype=bool)
    stops = UnresolvedStops(len(rows))
    compared = []
    for filekind in sorted(set(old.columns) | set(new.columns), key=str.upper):
        if filekind in plan.skip_types:
            continue
        result = compare_type(old.get(filekind), new.get(filekind), plan.options)
        stops.apply(result, filekind, old.get(filekind), new.get(filekind), with_old=True)
        killed |= result["killed"]
        updated |= result["update"]
        compared.append((filekind, result))
        for kind, (positions, *piece) in _lookup_errors(filekind, result, plan, failed):
            found.error_pieces.append(((filekind.upper(), kind, number), (positions + offset, *piece)))
    for filekind, frame in stops.errors_by_type(ids, rows, instrument, old_context, new_context):
        found.stop_errors.append(((filekind.upper(), number), frame))
    # crds drops the updates of datasets that failed as a whole (at an unresolved result).
    is_affected = updated & ~killed & stops.alive
    outcome = np.where(failed | stops.failed, 2, is_affected.astype(np.int8))
    for piece in _change_pieces(compared, stops.alive, offset):
        found.changes.append(((piece[0].upper(), number), piece))
    return ids[is_affected], outcome


def dataset_ids(frame: pd.DataFrame) -> pd.api.extensions.ExtensionArray:
    """The frame's dataset ids as pandas ``str`` strings backed by an Arrow string array (no Python string per row)."""
    return pd.array(_arrow_strings(frame["dataset_id"]), dtype=_STR)


_STR = STR  # pandas's default ``str``, as frames built from Python strings get


def write_parts(result: PartitionResult, parts: ResultParts) -> PartitionResult:
    """``result`` with its change rows, affected ids and error rows written as parts, summarized (runs on a
    worker)."""
    result.parts = summarize(result.changes, result.affected_ids, parts, result.change_counts, result.errors)
    result.changes = result.changes.iloc[:0]
    result.affected_ids = []
    result.errors = result.errors.iloc[:0]
    return result


def drop_failed(frames: list[pd.DataFrame], failed_ids: np.ndarray) -> list[pd.DataFrame]:
    """Change frames without the datasets that failed as a whole (crds drops their updates)."""
    if not len(failed_ids):
        return frames
    return [frame.loc[~frame["dataset_id"].isin(failed_ids)] for frame in frames]


def partition_result(selected: SelectedRows, changes: list, errors: list, affected: list[str] | pa.Array,
                     extra: dict | None = None, outcomes: np.ndarray | None = None) -> PartitionResult:
    """A partition's result from its per-type pieces (shared by the batch jobs).

    ``outcomes`` (per selected row: 0 ok, 1 affected, 2 failed) when the caller knows them; otherwise
    they are found by matching the rows' ids with the affected ids and those of the error rows.
    """
    errors_frame = _concat(errors, ERROR_COLUMNS)
    if outcomes is None:
        failed = errors_frame.loc[errors_frame["level"] == "error", "dataset_id"].to_numpy(dtype=object)
        affected_values = affected if isinstance(affected, pa.Array) else np.asarray(affected, dtype=object)
        outcomes = row_outcomes(selected.frame, affected_values, failed)
    return PartitionResult(
        changes=_concat(changes, CHANGE_COLUMNS),
        errors=errors_frame,
        affected_ids=affected,
        datasets=len(selected.frame),
        tally=tally(selected, outcomes),
        extra=extra or {},
        filtered_ids=selected.filtered_ids,
        before_since=selected.before_since,
    )


def _instrument_problem(instrument: str, old_context, new_context) -> str | None:
    """crds fails the whole dataset when either context lacks its instrument."""
    for context in (new_context, old_context):
        try:
            context.get_imap(instrument)
        except Exception as exc:  # the rules' own one-line reason
            return f"Failed processing: {exc}"
    return None


def _changes(ids, instrument: str, filekind: str, result: dict) -> pd.DataFrame:
    return _changes_frame(ids, instrument, [(filekind, result)])


def _changes_frame(ids, instrument: str, compared: list[tuple[str, dict]], keep: np.ndarray | None = None
                   ) -> pd.DataFrame:
    """The change rows (updates and failed lookups) of an instrument's compared types, in type then row order.

    ``compared``: (filekind, :func:`~.compare.compare_type` result) in order; ``keep``: the rows whose changes
    count (None: all). One frame built from codes: the types' normalized values are dictionary-encoded
    (categories in order of appearance, as the per-type frames' union gave them), the ids taken by position.
    """
    return _frame_of_changes(ids, instrument, _change_pieces(compared, keep))


def _change_pieces(compared: list[tuple[str, dict]], keep: np.ndarray | None = None, offset: int = 0) -> list[tuple]:
    """What :func:`_frame_of_changes` needs of each compared type: (filekind, changed rows + ``offset``, their
    killed flags, old and new codes, old and new value tables); small (the changed rows only)."""
    pieces = []
    for filekind, result in compared:
        mask = result["update"] | result["killed"]
        rows = np.flatnonzero(mask if keep is None else mask & keep)
        old_column, new_column = result["old_column"], result["new_column"]
        pieces.append((filekind, rows + offset, result["killed"][rows], old_column.codes[rows], new_column.codes[rows],
                       old_column.value, new_column.value))
    return pieces


def _frame_of_changes(ids, instrument: str, pieces: list[tuple]) -> pd.DataFrame:
    """The change frame of :func:`_change_pieces` (in their order; a type may come in several pieces, one per
    slice of rows), ``ids`` taken at the pieces' rows."""
    kinds: dict[str, int] = {}
    positions, kind_codes, killed, old_tables, new_tables, old_codes, new_codes = [], [], [], [], [], [], []
    old_offset = new_offset = 0
    for filekind, rows, killed_rows, old_rows, new_rows, old_table, new_table in pieces:
        if not len(rows) and len(pieces) > 1:
            continue  # as if concatenated: a type without changes adds no category
        kind_codes.append(np.full(len(rows), kinds.setdefault(filekind, len(kinds)), dtype=np.int32))
        positions.append(rows)
        killed.append(killed_rows)
        old_codes.append(old_rows + old_offset)
        new_codes.append(new_rows + new_offset)
        old_tables.append(old_table)
        new_tables.append(new_table)
        old_offset += len(old_table)
        new_offset += len(new_table)
    if not kinds:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    rows = np.concatenate(positions)
    count = len(rows)
    return pd.DataFrame({
        "dataset_id": ids[rows],
        "instrument": pd.Categorical.from_codes(np.zeros(count, dtype=np.int8), categories=[instrument.lower()]),
        "filekind": pd.Categorical.from_codes(np.concatenate(kind_codes), categories=list(kinds)),
        "old": _coded_categorical(np.concatenate(old_codes), old_tables),
        "new": _coded_categorical(np.concatenate(new_codes), new_tables),
        "status": pd.Categorical.from_codes(np.concatenate(killed).astype(np.int8), categories=["update", "failed"]),
    })


def _coded_categorical(codes: np.ndarray, tables: list[np.ndarray]) -> pd.Categorical:
    """Codes into the concatenated ``tables`` as a Categorical of their distinct values (first appearance order)."""
    remap, uniques = pd.factorize(np.concatenate(tables))
    return pd.Categorical.from_codes(remap[codes], categories=uniques)


def _lookup_errors(filekind: str, result: dict, plan: AffectedPlan, failed: np.ndarray | None = None) -> list:
    """The error rows of one type's comparison as (kind, piece) pairs, kind numbering which of the (up to four)
    sorts of error rows the piece holds, the piece (rows, filekind, level, messages) for
    :func:`~.error_rows.error_frame_of_pieces`; ``failed`` (if given) gets the rows with an error-level one."""
    pieces = []

    def add(mask: np.ndarray, messages, level: str) -> None:
        pieces.append((kind, (np.flatnonzero(mask), filekind, level, messages)))
        if failed is not None and level == "error":
            failed[mask] = True

    kind = 0
    for side in ("old", "new"):
        mask = result[f"{side}_error_rows"]
        kind += 1
        if mask.any():
            add(mask, error_messages(result, side, mask), "error")
    kind = 3
    if result["difference_error"].any():
        mask = result["difference_error"]
        messages = [f"Comparison difference: {repr(str(old)).lower()} --> {repr(str(new)).lower()} :: Would update."
                    for old, new in zip(result["old"][mask], result["new"][mask])]
        add(mask, messages, "error")
    kind = 4
    if plan.bad_references and result["update"].any():
        # Check the few distinct new values, not every row.
        column = result["new_column"]
        bad = np.array([str(value).lower() in plan.bad_references for value in column.value.tolist()], dtype=bool)
        mask = result["update"] & bad[column.codes]
        if mask.any():
            messages = pa.array([BAD_REFERENCE_MESSAGE.format(reference=ref) for ref in column.value.tolist()],
                                pa.string()).take(pa.array(column.codes[mask]))
            add(mask, messages, "warning" if plan.allow_bad_references else "error")
    return pieces


def _bad_rules_errors(ids, instrument: str, plan: AffectedPlan, rules_key: str | None = None) -> list[pd.DataFrame]:
    """crds reports a bad context once per instrument, not per dataset: dataset id "ALL", type "ALL".

    The instrument column keeps the instrument so that partitions' reports can be
    merged to one per instrument (see :mod:`.unique_errors`).
    """
    old_bad, new_bad = plan.bad_rules.get(rules_key or instrument.lower(), ((), ()))
    level = "warning" if plan.allow_bad_rules else "error"
    frames = []
    contexts = [("New", plan.new_context, new_bad)]
    if plan.old_source == "context":
        contexts.append(("Old", plan.old_context, old_bad))
    for which, context, bad in contexts:
        if bad and len(ids):
            message = BAD_RULES_MESSAGE.format(which=which, context=context)
            frames.append(_error_frame(["ALL"], instrument.lower(), "ALL", [message], level))
    return frames


def _dataset_errors(ids, instrument: str, message: str) -> pd.DataFrame:
    return _error_frame(ids, instrument.lower() or "unknown", "", [message] * len(ids), "error")


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    return concat_frames(frames, columns)[columns]
