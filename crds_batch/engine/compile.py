"""Compiling an rmap into a columnar evaluator plan.

For every distinct tuple of the columns an rmap reads (apart from UseAfter
dates, when nothing else reads them) the scalar rules run once and produce a
:class:`Plan`: either a constant result, or an ordered *chain* of candidates
(terminal values and UseAfter tables, best weight group first) that the
evaluator resolves for all the group's dates at once.  Anything outside the
Match/UseAfter shape (hooks, other selector classes, dates read by
expressions) is evaluated by the scalar path per distinct full tuple.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..rules import lookup
from ..rules.errors import IrrelevantType, OmitType
from ..rules.hooks import dnr_check
from ..rules.mappings import InstrumentContext, ReferenceMapping
from ..rules.selectors import MatchSelector, Selector, UseAfterSelector

#: Header keys the HST hooks and the DNR rule may read from the instrument-level header.
HOOK_READS = frozenset({"DATE-OBS", "TIME-OBS", "NAXIS1", "NAXIS2", "NUMCOLS", "NUMROWS", "CCDAMP", "DETECTOR",
                        "XCORNER", "YCORNER", "APERTURE", "CCDGAIN", "SUBARRAY", "FILTER1", "FILTER2",
                        "LTV1", "LTV2", "RAW_LTV1", "RAW_LTV2"})
DNR_READS = ("DETECTOR", "CCDGAIN")


@dataclass
class Chain:
    """Candidates in order; each is ('value', result), ('useafter', selector) or ('error', message)."""

    steps: list[tuple[str, Any]]
    #: A failed lookup yields "NOT FOUND n/a" (DNR or reffile_required NO) instead of the error text.
    failure_is_na: bool
    #: The rmap's top selector is a UseAfter: running out of dates is its own error text.
    top_useafter: bool = False


@dataclass
class Constant:
    value: Any


Plan = Chain | Constant


@dataclass
class RmapProgram:
    """How to evaluate one rmap over a table of an instrument's rows."""

    rmap: ReferenceMapping
    key_columns: list[str]
    date_columns: tuple[str, ...] = ()
    vectorized: bool = False
    _plans: dict[tuple, Plan] = field(default_factory=dict, repr=False)

    def plan(self, key: tuple) -> Plan:
        """The plan for one distinct key tuple (cached across partitions)."""
        found = self._plans.get(key)
        if found is None:
            header = dict(zip(self.key_columns, key))
            found = self._plans[key] = _plan(self, header) if self.vectorized else Constant(
                lookup.rmap_reference(self.rmap, header))
        return found


def compile_rmap(rmap: ReferenceMapping, instrument_keys: list[str]) -> RmapProgram:
    """Choose the key columns and the evaluation strategy of ``rmap`` for an instrument's header keys."""
    available = set(instrument_keys)
    aliases = {key.replace(".", "_"): key for key in instrument_keys}
    read = set(rmap.required_parkeys)
    expression_names: set[str] = set(rmap.rmap_relevance.names) | set(rmap.rmap_omit.names)
    for expression in rmap.parkey_relevance.values():
        expression_names |= expression.names
    expression_keys = {aliases.get(name, name) for name in expression_names} & available
    read |= expression_keys
    if rmap.observatory == "hst":
        read |= set(DNR_READS) & available
    hooks = bool(rmap.precondition or rmap.fallback)
    if hooks:
        read |= HOOK_READS & available
    dates = _useafter_dates(rmap.selector)
    vectorized = (
        dates is not None and not hooks
        and not (set(dates) & (expression_keys | _match_parameters(rmap.selector)))
        and not any(date.lower() in rmap.parkey_relevance for date in dates)
    )
    key_columns = sorted(read - set(dates)) if vectorized else sorted(read)
    return RmapProgram(rmap, key_columns, tuple(dates) if vectorized else (), vectorized)


def _match_parameters(selector: Selector) -> set[str]:
    return set(selector.parameters) if isinstance(selector, MatchSelector) else set()


def _useafter_dates(selector: Selector) -> tuple[str, ...] | None:
    """Date parameters if the tree is Match -> (terminal | UseAfter -> terminal) or UseAfter -> terminal."""
    def plain_useafter(choice: Any) -> bool:
        return type(choice) is UseAfterSelector and not any(isinstance(c, Selector) for c in choice.choices())

    if plain_useafter(selector):
        return selector.parameters
    if type(selector) is not MatchSelector:
        return None
    useafters = [c for c in selector.choices() if isinstance(c, Selector)]
    if not all(plain_useafter(c) for c in useafters):
        return None
    params = {c.parameters for c in useafters}
    if len(params) > 1:
        return None
    return params.pop() if params else ()


def _plan(program: RmapProgram, header: dict[str, str]) -> Plan:
    """Run the scalar rules up to the date choice."""
    rmap = program.rmap
    for date in program.date_columns:
        header.setdefault(date, "UNDEFINED")
    try:
        expr_header = lookup.add_evalable_keys(header)
        if lookup.rmap_omitted(rmap, expr_header):
            return Constant(None)
        if not lookup.rmap_relevant(rmap, expr_header):
            return Constant("NOT FOUND n/a")
        matched = lookup.apply_parkey_relevance(rmap, header)
    except IrrelevantType:
        return Constant("NOT FOUND n/a")
    except OmitType:
        return Constant(None)
    except Exception as exc:
        return Constant("NOT FOUND " + str(exc))
    failure_is_na = dnr_check(rmap.observatory, matched) or rmap.reffile_required not in ("YES", "NONE")
    selector = rmap.selector
    if isinstance(selector, UseAfterSelector):
        return Chain([("useafter", selector)], failure_is_na, top_useafter=True)
    try:
        selector.check_defined(matched)
        selector.validate_header(matched)
        weights: dict[int, list[int]] = {}
        for weight, index in selector.weights(matched):
            weights.setdefault(weight, []).append(index)
    except Exception as exc:
        return Constant("NOT FOUND n/a" if failure_is_na else "NOT FOUND " + str(exc))
    steps: list[tuple[str, Any]] = []
    for _, indices in sorted(weights.items()):
        try:
            choice = selector.merged_choice(tuple(indices))
        except Exception as exc:  # raised lazily by crds, only for rows that reach this group
            steps.append(("error", str(exc)))
            break
        if isinstance(choice, UseAfterSelector):
            steps.append(("useafter", choice))
        else:
            steps.append(("value", terminal_result(choice)))
            break  # a terminal candidate always succeeds
    return Chain(steps, failure_is_na)


def terminal_result(choice: Any) -> Any:
    """A chosen terminal value as it appears in the results (N/A -> ``NOT FOUND n/a``, OMIT -> None)."""
    try:
        return lookup._terminal(choice)
    except IrrelevantType:
        return "NOT FOUND n/a"
    except OmitType:
        return None


def instrument_programs(imap: InstrumentContext, instrument_keys: list[str]) -> dict[str, RmapProgram]:
    """Compiled programs of every rmap type of an instrument (cached on the imap object)."""
    cache = imap.__dict__.setdefault("_engine_programs", {})
    key = tuple(instrument_keys)
    if key not in cache:
        programs = {}
        for filekind, value in imap.selections.items():
            child = imap.child(filekind)
            if isinstance(child, ReferenceMapping):
                programs[filekind] = compile_rmap(child, instrument_keys)
        cache[key] = programs
    return cache[key]
