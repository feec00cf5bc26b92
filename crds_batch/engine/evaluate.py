"""The columnar evaluator: best references for a table of datasets.

``evaluate(context, table)`` gives, for every row and every type of the row's
instrument, exactly the value ``getrecommendations`` would return.  Rows are
split by instrument; per rmap, rows are grouped by the distinct tuple of the
columns the rmap reads (dates excluded when only UseAfter reads them), the
rules run once per group (:mod:`.compile`), and UseAfter dates are resolved
for all rows at once with ``numpy.searchsorted`` over string ranks.

Result representation
---------------------
Output columns are pandas ``Categorical`` (dictionary-encoded).  A value is a
file name or ``"NOT FOUND ..."`` text; ``None`` means the type is absent for
that row (OMIT, rmap_omit, or another instrument).  Tied terminal files (a
tuple in crds) and dict choices are rendered with ``repr()`` in the frame;
:func:`evaluate_records` returns the original objects.
"""
from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..observatories.tables import OBSERVATORIES
from ..rules.errors import UnknownInstrumentError
from ..rules.lookup import clean_parameters, fits_to_parkeys
from ..rules.mappings import INSTRUMENT_KEYWORDS, InstrumentContext, PipelineContext, is_special, NA_VALUES
from ..store.schema import DATE_KEY
from .columns import Column, EncodedTable, RenamedColumns, encode_records, group_ids
from .carry import plan_carries_over
from .compile import DATE_FEATURE, Constant, RmapProgram, instrument_programs
from .dates import DateTable
from .minimized import MinimizedColumns, shared_derivations
from .resolve import resolve_chains
from .types import API, row_types


class _Values:
    """Distinct result objects of one type and their codes."""

    def __init__(self) -> None:
        self.objects: list[Any] = []
        self._codes: dict[Any, int] = {}

    def code(self, value: Any) -> int:
        if value is None:
            return -1
        key = (type(value).__name__, repr(value)) if not isinstance(value, str) else value
        found = self._codes.get(key)
        if found is None:
            found = self._codes[key] = len(self.objects)
            self.objects.append(value)
        return found


def encode_table(table: pd.DataFrame, observatory: str) -> EncodedTable:
    """``table``'s parameter columns, encoded on first use, named as ``observatory``'s rules read them.

    Give the result to :func:`evaluate` in place of ``table`` to evaluate several
    contexts of that observatory over the same rows with one encoding.
    """
    rename = None
    if observatory.lower() == "roman":  # crds renames META.* parameters to ROMAN.META.* for Roman
        rename = {c: "ROMAN." + c for c in map(str.upper, map(str, table.columns)) if c.split(".")[0] == "META"}
    encoded = EncodedTable(table, rename)
    found = OBSERVATORIES.get(observatory.lower())
    if found is not None and DATE_KEY in table.columns and pd.api.types.is_integer_dtype(table[DATE_KEY].dtype):
        # A store's normalized dates (its date keywords'): the date table parses only the rows without one.
        encoded.stored_dates = (tuple(found.date_keywords), table[DATE_KEY].to_numpy(dtype=np.int64))
    return encoded


def evaluate(context: Any, table: pd.DataFrame | EncodedTable, reftypes: Sequence[str] | None = None,
             observatory: str | None = None, type_rule: str = API) -> pd.DataFrame:
    """Best references of every row of ``table``.

    Parameters
    ----------
    context : PipelineContext or InstrumentContext or str
        A loaded context (:func:`crds_batch.rules.loading.load_context`) or its name.
    table : pandas.DataFrame or EncodedTable
        One row per dataset; columns are CRDS parameter names (any case); None/NaN = absent.
        An :func:`encode_table` of it lets several contexts share one encoding.
    reftypes : sequence of str, optional
        Only these types (lower case); default every type of each row's instrument.  With
        few types only those rmaps are compiled and evaluated.
    observatory : str, optional
        Default: the context's.
    type_rule : str
        How JWST rows carrying a calibration software version narrow the types:
        as ``crds.getrecommendations`` (``"api"``), ``crds bestrefs`` (``"bestrefs"``)
        or ``crds bestrefs --diffs-only`` with ``reftypes`` the changed types
        (``"diffs"``); see :mod:`crds_batch.engine.types`.

    Returns
    -------
    pandas.DataFrame
        Same index; one Categorical column per type; None where a type is absent for a row.
        Rows whose instrument is missing or unknown to the context are None everywhere.
    """
    context = _as_context(context)
    share_results = isinstance(table, EncodedTable)  # the caller may evaluate another context over it
    if not share_results:
        table = encode_table(table, observatory or context.observatory or "")
    per_type = _evaluate(context, table, table.nrows, reftypes, observatory, type_rule=type_rule,
                         share_results=share_results)
    data = {filekind: result_categorical(codes, values.objects) for filekind, (codes, values) in per_type.items()}
    return pd.DataFrame(data, index=table.index)


def result_categorical(codes: np.ndarray, objects: Sequence[Any]) -> pd.Categorical:
    """A type's results as a Categorical: ``codes`` (-1: no result) into ``objects`` (the results, each shown
    as itself if a str, else as its repr; results shown alike share a category)."""
    labels = [value if isinstance(value, str) else repr(value) for value in objects]
    unique_labels, remap = _dedupe(labels)
    if len(unique_labels) < len(labels):  # rare: codes remapped (-1 stays -1); otherwise used as they are
        codes = np.append(remap, np.int32(-1))[codes]
    return pd.Categorical.from_codes(codes, categories=unique_labels)


def evaluate_records(context: Any, records: Sequence[Mapping[str, Any]], reftypes: Sequence[str] | None = None,
                     observatory: str | None = None, prepared: bool = False) -> list[dict[str, Any]]:
    """Like :func:`evaluate` for a few parameter dicts; returns crds-style dicts (tuples kept as tuples).

    Raises the instrument errors crds raises (missing instrument keyword, unknown instrument).
    """
    context = _as_context(context)
    observatory = observatory or context.observatory
    if not prepared:
        records = [clean_parameters(record, observatory) for record in records]
    columns = encode_records(list(records))
    per_type = _evaluate(context, columns, len(records), reftypes, observatory, strict=True)
    results: list[dict[str, Any]] = [{} for _ in records]
    for filekind, (codes, values) in per_type.items():
        for row, code in enumerate(codes.tolist()):
            if code >= 0:
                results[row][filekind] = values.objects[code]
    return results


def _as_context(context: Any) -> Any:
    if isinstance(context, str):
        from ..rules.loading import load_context

        return load_context(context)
    return context


def _dedupe(labels: list[str]) -> tuple[list[str], np.ndarray]:
    index: dict[str, int] = {}
    remap = np.empty(len(labels), dtype=np.int32)
    for i, label in enumerate(labels):
        remap[i] = index.setdefault(label, len(index))
    return list(index), remap


def _evaluate(context: Any, columns: Mapping[str, Column], nrows: int, reftypes: Sequence[str] | None,
              observatory: str | None, strict: bool = False,
              type_rule: str = API, share_results: bool = False) -> dict[str, tuple[np.ndarray, _Values]]:
    observatory = (observatory or context.observatory or "").lower()
    results: dict[str, tuple[np.ndarray, _Values]] = {}
    wanted = [t.lower() for t in reftypes] if reftypes else None
    if isinstance(context, PipelineContext):
        instruments = _shared_instruments(context, columns, nrows, strict)
    else:
        instruments = {context.instrument.upper(): np.arange(nrows)}
    for instrument, rows in instruments.items():
        if isinstance(context, PipelineContext):
            try:
                imap = context.get_imap(instrument)
            except UnknownInstrumentError:
                if strict:
                    raise
                continue
            keys = imap.required_parkeys() + [context.instrument_key]
        else:
            imap, keys = context, context.required_parkeys()
        _evaluate_instrument(imap, keys, columns, rows, nrows, wanted, results, observatory,
                             context if isinstance(context, PipelineContext) else None, type_rule, share_results)
    return results


def _shared_instruments(context: PipelineContext, columns: Mapping[str, Column], nrows: int,
                        strict: bool) -> dict[str, np.ndarray]:
    """:func:`_instruments`, found once per instrument keyword for the contexts evaluated over an
    :class:`EncodedTable` (old and new in ``affected``)."""
    if not isinstance(columns, EncodedTable):
        return _instruments(context, columns, nrows, strict)
    key = (context.instrument_key, strict)
    found = columns.instrument_rows.get(key)
    if found is None:
        found = columns.instrument_rows[key] = _instruments(context, columns, nrows, strict)
    return found


def _instruments(context: PipelineContext, columns: Mapping[str, Column], nrows: int,
                 strict: bool) -> dict[str, np.ndarray]:
    """Rows per instrument, found as crds finds a header's instrument.

    Worked out per distinct value of each instrument keyword, then per row on codes.
    """
    names: dict[str, int] = {}  # upper-case instrument name -> id
    instrument = np.full(nrows, -1, dtype=np.int64)
    unresolved = np.ones(nrows, dtype=bool)
    for key in (context.instrument_key.upper(),) + INSTRUMENT_KEYWORDS:
        column = columns.get(key)
        if column is None:
            continue
        upper = [value.upper() for value in column.values]
        ids = np.array([names.setdefault(value, len(names)) if value != "UNDEFINED" else -1 for value in upper]
                       + [-1], dtype=np.int64)  # code -1 (absent) -> -1
        candidate = ids.take(column.codes)
        usable = unresolved & (candidate >= 0)
        instrument[usable] = candidate[usable]
        unresolved &= ~usable
    if strict and unresolved.any():
        raise UnknownInstrumentError(
            f"Missing {context.instrument_key!r} keyword in header for determining instrument.")
    groups: dict[str, np.ndarray] = {}
    if (~unresolved).any():
        labels = list(names)
        present = np.flatnonzero(np.bincount(instrument[~unresolved], minlength=len(labels)))
        found = [(rows[0], labels[name_id], rows) for name_id in present.tolist()
                 for rows in (np.flatnonzero(instrument == name_id),)]
        for _first, name, rows in sorted(found, key=lambda item: item[0]):  # in order of first row
            groups[name] = rows
    return groups


def _evaluate_instrument(imap: InstrumentContext, keys: list[str], columns: Mapping[str, Column], rows: np.ndarray,
                         nrows: int, wanted: list[str] | None, results: dict, observatory: str,
                         context: PipelineContext | None = None, type_rule: str = API,
                         share_results: bool = False) -> None:
    translated = _translate_columns(observatory, columns)
    kinds, masks = (wanted if wanted is not None else imap.filekinds), None
    if observatory == "jwst" and context is not None:
        # crds reads the header as given here (FITS names are not translated to META.* for this step)
        kinds, masks = row_types(context, imap.filekinds, wanted, type_rule, columns, rows)
    date_tables = shared_derivations(columns, imap.instrument.upper(), rows)  # dates normalized once for all types
    minimized = MinimizedColumns(translated, keys, rows, date_tables)
    programs = instrument_programs(imap, list(dict.fromkeys(keys)))
    for filekind in kinds:
        codes, values = results.setdefault(filekind, (np.full(nrows, -1, dtype=np.int32), _Values()))
        keep = masks[filekind] if masks is not None else None
        if keep is not None and not keep.any():
            continue  # no row's pipelines use this type
        program = programs.get(filekind)
        # Results are shared between contexts only over a caller's EncodedTable, and only into an empty registry.
        sharing = share_results and isinstance(columns, EncodedTable) and program is not None and not values.objects
        result_key = ("result", filekind, tuple(keys))
        earlier = date_tables.pop(result_key, None) if sharing else None
        groups: list = []
        found = _reused_result(earlier, program, values) if earlier is not None else None
        if found is not None:
            groups = [earlier.gid, earlier.plans]  # the same program's groups
        elif earlier is not None:
            found = _carried_result(earlier, program, minimized, len(rows), values, date_tables, groups)
        if found is None:
            found = _evaluate_type(imap, filekind, program, minimized, len(rows), values, date_tables, groups)
        if sharing:
            date_tables[result_key] = _Evaluated(program, found.copy(), list(values.objects), *(groups or (None, None)))
        if keep is not None:
            found[~keep] = -1
        codes[rows] = found


@dataclass
class _Evaluated:
    """One context's results of a type over an instrument's rows, kept for the next context evaluated over them."""

    program: RmapProgram
    codes: np.ndarray
    objects: list[Any]
    #: The program's group of each row and its groups' plans, when it ran.
    gid: np.ndarray | None
    plans: GroupPlans | None


class GroupPlans(NamedTuple):
    """The plans of a program's groups: each group's number into ``distinct`` (-1: not evaluated), the distinct
    plan objects (many groups share a plan: what is decided per plan is decided once)."""

    number: np.ndarray
    distinct: list


def _reused_result(earlier: _Evaluated, program: RmapProgram, values: _Values) -> np.ndarray | None:
    """The codes another context computed over these rows with the same rmap program, if any.

    A type's results depend only on its rmap (its program, shared by the contexts that
    share the rmap object), the instrument's header keys and the rows: when two contexts
    evaluated over one :class:`EncodedTable` name the same rmap for a type (``affected``
    on unchanged types, e.g. with ``--all-types``), the second reuses the first's codes.
    Both registries start empty, so registering the first's values in its order gives
    the codes and order a fresh evaluation would give.
    """
    if earlier.program is not program:
        return None
    for value in earlier.objects:
        values.code(value)
    return earlier.codes.copy()


def _carried_result(earlier: _Evaluated, program: RmapProgram, minimized: MinimizedColumns, n: int,
                    values: _Values, date_tables: dict[Any, Any], groups: list) -> np.ndarray | None:
    """This program's results, taking the earlier context's for rows whose plan carries over (the diff prunes).

    When the earlier rmap differs from this one only in some Match choices
    (``RmapProgram.carried_from``), the rows whose earlier plan touched none of the
    changed choices get the earlier results (same plan, same dates, same result); only
    the other rows' groups are planned and their dates resolved.  Values are registered
    in the earlier registry's order first, so the category order may differ from a
    fresh evaluation's; the values do not.  None when the programs are not alike.
    """
    if earlier.gid is None or earlier.plans is None:
        return None
    carried = program.carried_from(earlier.program)
    if carried is None:
        return None
    carries = np.array([plan_carries_over(plan, carried) for plan in earlier.plans.distinct] + [False], dtype=bool)
    kept = carries[earlier.plans.number][earlier.gid]  # a group not evaluated (-1) does not carry
    kept_codes = np.where(kept, earlier.codes, -1)  # the earlier results kept, -1 elsewhere
    # The earlier values the kept rows use, registered in the earlier order (code -1, absent, stays -1).
    used = np.flatnonzero(np.bincount(kept_codes + 1, minlength=len(earlier.objects) + 1)[1:])
    remap = np.full(len(earlier.objects) + 1, -1, dtype=np.int32)
    for code in used.tolist():
        remap[code] = values.code(earlier.objects[code])
    out = remap.take(kept_codes)
    if not kept.all():
        evaluated = _run_program(program, minimized, n, values, date_tables, groups, only=~kept)
        out = np.where(kept, out, evaluated)
    else:
        groups.extend((np.zeros(n, dtype=np.intp), GroupPlans(np.full(1, -1, dtype=np.intp), [])))
    return out


def _translate_columns(observatory: str, columns: Mapping[str, Column]) -> Mapping[str, Column]:
    if observatory != "jwst":
        return columns
    return RenamedColumns(columns, fits_to_parkeys(observatory, {name: name for name in columns}))


def _evaluate_type(imap: InstrumentContext, filekind: str, program: RmapProgram | None,
                   minimized: MinimizedColumns, n: int, values: _Values,
                   date_tables: dict[tuple[str, ...], DateTable], groups: list | None = None) -> np.ndarray:
    entry = imap.selections.get(filekind)
    if entry is None:
        constant: Any = "NOT FOUND Unknown reference type " + repr(filekind)
    elif is_special(entry):
        constant = "NOT FOUND n/a" if entry in NA_VALUES else None
    elif program is None:
        constant = "NOT FOUND unloadable rmap " + repr(entry)
    else:
        return _run_program(program, minimized, n, values, date_tables, groups)
    return np.full(n, values.code(constant), dtype=np.int32)


def _run_program(program: RmapProgram, minimized: MinimizedColumns, n: int, values: _Values,
                 date_tables: dict[Any, Any], groups: list | None = None, only: np.ndarray | None = None) -> np.ndarray:
    """Result codes of ``program`` per row (-1 outside ``only``, a row mask, when given).

    ``groups``, when given, receives (group per row (int64), the groups' :class:`GroupPlans`: -1 for a group
    with no row in ``only``), which :func:`_carried_result` reads when the next context comes.
    """
    columns = minimized  # the instrument's columns: dates and hooks' date values are read from them
    if program.date_feature is not None:
        minimized = ChainMap({DATE_FEATURE: _feature_column(program, minimized, n, date_tables)}, minimized)
    reduce = n > _REDUCE_MIN  # a few rows make few groups anyway: skip the reduction's own cost
    key_columns = [_reduced(program, key, minimized[key], date_tables) if reduce and key in program.reducible
                   else minimized[key] for key in program.key_columns]
    gid, first = _shared_groups(key_columns, n, date_tables)
    hook_dates = program.date_feature is not None
    if only is None:
        planned = np.arange(len(first))
    else:  # only the groups with a row in ``only``
        needed = np.zeros(len(first), dtype=bool)
        needed[gid[only]] = True
        planned = np.flatnonzero(needed)
    if key_columns:  # the planned groups' key tuples, built column-wise
        planned_first = first[planned]
        keys: Any = zip(*(np.array(column.values, dtype=object)[column.codes[planned_first]].tolist()
                          for column in key_columns))
    else:
        keys = [()] * len(planned)
    cached = program.cached_plan
    # A plan reads the dates only through the hooks' date feature (the key's last field), so each feature's
    # first row gives every plan of that feature its dates (and the hooks parse one date per feature).
    feature_dates: dict[Any, dict[str, str]] = (date_tables.setdefault(
        ("feature dates", program.date_feature, program.date_columns), {}) if hook_dates else {})
    numbers: list[int] = []  # per planned group, its plan's number
    distinct_plans: list = []
    plan_index: dict[int, int] = {}  # id of a distinct plan -> its number
    # Per distinct plan: its constant's code (-2: a chain's), its chain's number (-1: a constant).
    plan_const: list[int] = []
    plan_chain: list[int] = []
    chains: list = []
    for g, key in zip(planned.tolist(), keys):
        plan = cached(key)
        if plan is None:
            dates = None
            if hook_dates:
                dates = feature_dates.get(key[-1])
                if dates is None:
                    row = first[g]
                    dates = feature_dates[key[-1]] = {d: columns.value_at(d, row) for d in program.date_columns}
            plan = program.plan(key, dates)
        number = plan_index.get(id(plan))
        if number is None:  # values and chains are numbered in the order their groups come, as per group
            number = plan_index[id(plan)] = len(distinct_plans)
            distinct_plans.append(plan)
            if isinstance(plan, Constant):
                plan_const.append(values.code(plan.value))
                plan_chain.append(-1)
            else:
                plan_const.append(-2)
                plan_chain.append(len(chains))
                chains.append(plan)
        numbers.append(number)
    plan_number = np.full(len(first), -1, dtype=np.intp)
    plan_number[planned] = numbers
    if groups is not None:
        groups.extend((gid, GroupPlans(plan_number, distinct_plans)))
    # Per group (-1: not planned, outside ``only``): -2 resolved by chain, else its constant's code.
    group_const = np.array(plan_const + [-2], dtype=np.int32)[plan_number]
    out = group_const[gid]  # -2: a chain's row (or an unplanned group's, outside ``only``)
    chained = out == -2
    if only is not None:
        out[chained & ~only] = -1
        chained &= only
    if chains and chained.any():
        chain_rows = np.flatnonzero(chained)
        dates = _date_table(program, columns, date_tables)
        chain_of_group = np.array(plan_chain + [-1], dtype=np.int64)[plan_number]
        out[chain_rows] = resolve_chains(chains, chain_of_group[gid[chain_rows]], dates, chain_rows, values,
                                         program.tables)
    return out


def _feature_column(program: RmapProgram, minimized: MinimizedColumns, n: int,
                    date_tables: dict[Any, Any]) -> Column:
    """What the rmap's hooks read of each row's dates, as a column (computed once per distinct date)."""
    key = ("feature", program.date_feature, program.date_columns)
    found = date_tables.get(key)
    if found is None and program.date_thresholds is not None:
        found = date_tables[key] = _threshold_feature(program, minimized, n, date_tables)
    if found is None:
        columns = [minimized[d] for d in program.date_columns]
        did, first = group_ids(columns, n)
        labels: dict[Any, int] = {}
        per_date = np.empty(len(first), dtype=np.int32)
        for i, row in enumerate(first.tolist()):
            text = " ".join(column.values[column.codes[row]] for column in columns)
            per_date[i] = labels.setdefault(program.date_feature(text), len(labels))
        found = date_tables[key] = Column(per_date[did] if len(did) else np.zeros(0, np.int32),
                                          [repr(label) for label in labels])
    return found


_REDUCE_MIN = 64


def _reduced(program: RmapProgram, name: str, column: Column, cache: dict[Any, Any]) -> Column:
    """``column`` with each value replaced by its class representative (see ``RmapProgram.value_class``).

    Programs whose classes give every value the same representative (the old and new rmap of a type, mostly)
    get the same column object, so their groups are found once (:func:`_shared_groups`).
    """
    key = ("reduced", id(program), name)
    found = cache.get(key)
    if found is None:
        representatives = tuple(program.value_class(name, value) for value in column.values)
        shared_key = ("reduced column", name, id(column), representatives)
        shared = cache.get(shared_key)
        if shared is None or shared[0] is not column:
            index: dict[str, int] = {}
            remap = np.array([index.setdefault(value, len(index)) for value in representatives], dtype=np.int32)
            codes = remap.take(column.codes) if len(remap) else column.codes
            shared = cache[shared_key] = (column, Column(codes, list(index)))
        found = cache[key] = shared[1]
    return found


def _shared_groups(key_columns: list[Column], n: int, cache: dict[Any, Any]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~.columns.group_ids` of ``key_columns`` (read only: int64, so that gathers by them are fast), found
    once for every program over the same column objects (types with the same keys, the old and new rmap of a
    type)."""
    key = ("groups", tuple(map(id, key_columns)))
    found = cache.get(key)
    if found is None or any(kept is not column for kept, column in zip(found[0], key_columns)):
        gid, first = group_ids(key_columns, n)
        found = cache[key] = (list(key_columns), gid, first)
    return found[1], found[2]


def _date_table(program: RmapProgram, minimized: MinimizedColumns, date_tables: dict[Any, Any]) -> DateTable:
    dates = date_tables.get(program.date_columns)
    if dates is None:
        dates = date_tables[program.date_columns] = minimized.date_table(program.date_columns)
    return dates


def _threshold_feature(program: RmapProgram, minimized: MinimizedColumns, n: int,
                       date_tables: dict[Any, Any]) -> Column:
    """The hooks' date feature from the shared normalized dates: array comparisons, no per-date parsing.

    Dates that do not normalize (rare) get the hook's own feature of their text (its error).
    """
    dates = _date_table(program, minimized, date_tables)
    label = np.zeros(dates.count, dtype=np.int64)
    for bit, threshold in enumerate(program.date_thresholds or ()):
        label |= dates.before(threshold).astype(np.int64) << bit
    labels: dict[Any, int] = {}
    per_date = np.empty(len(label), dtype=np.int32)
    valid = dates.valid
    for value in np.unique(label[valid]).tolist():
        per_date[valid & (label == value)] = labels.setdefault(("ok", value), len(labels))
    for d in np.flatnonzero(~valid).tolist():
        per_date[d] = labels.setdefault(program.date_feature(dates.failed_inputs[d]), len(labels))
    return Column(per_date[dates.did] if len(dates.did) else np.zeros(0, np.int32), [repr(x) for x in labels])
