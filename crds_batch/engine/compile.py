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
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from ..rules import lookup
from ..rules.errors import IrrelevantType, OmitType
from ..rules.conditioning import evalable_name
from ..rules.hooks import dnr_check
from ..rules.mappings import InstrumentContext, ReferenceMapping
from ..rules.selectors import MatchSelector, Selector, UseAfterSelector
from .tables import TableIndex

if TYPE_CHECKING:
    from .carry import Carry

#: Header keys the HST DNR rule reads from the instrument-level header.
DNR_READS = ("DETECTOR", "CCDGAIN")


@dataclass
class Chain:
    """Candidates in order; each is ('value', result), ('useafter', selector) or ('error', message).

    Rows for which every candidate fails (lookup failure, bad date, error step)
    get, in crds's order: ``NOT FOUND n/a`` if ``dnr``; else the ``fallback``
    chain's result; else ``NOT FOUND n/a`` unless ``required``; else the error.
    """

    steps: list[tuple[str, Any]]
    dnr: bool = False
    required: bool = True
    top_useafter: bool = False
    fallback: Chain | None = None
    #: Set on a fallback chain when the fallback hook itself raised: the final text, whatever reffile_required.
    abort: str | None = None
    #: Indices of the Match selections whose choices the steps read (every equal-weight group tried, up to
    #: the last step): the chain depends on the selector only through the keys and these choices.
    touched: tuple[int, ...] = ()
    #: What the Match scoring saw: (the selector parameters' values, weight of the last group tried or
    #: None, whether the steps stopped there (a terminal or an error) rather than running out of groups).
    basis: tuple | None = None


@dataclass
class Constant:
    value: Any


Plan = Chain | Constant

#: Pseudo column holding what hooks read of the dates (see rules.hooks.Hook.date_feature).
DATE_FEATURE = "<date feature>"


@dataclass
class RmapProgram:
    """How to evaluate one rmap over a table of an instrument's rows."""

    rmap: ReferenceMapping
    key_columns: list[str]
    date_columns: tuple[str, ...] = ()
    vectorized: bool = False
    date_feature: Any = None
    #: Key columns whose values may be replaced by a representative of their equivalence class
    #: (see :meth:`value_class`): read only by the Match scoring/validation and the DNR rule.
    reducible: tuple[str, ...] = ()
    #: The hooks' ``date_thresholds`` (see rules.hooks.Hook), when they all agree.
    date_thresholds: tuple[str, ...] | None = None
    #: The UseAfter tables its chains reach, ranked once for all partitions.
    tables: TableIndex = field(default_factory=TableIndex, repr=False)
    _plans: dict[tuple, Plan] = field(default_factory=dict, repr=False)
    #: Candidate steps (and the selections they touched) per tuple of the selector's parameters' values.
    _steps: dict[tuple, tuple[list, tuple[int, ...]]] = field(default_factory=dict, repr=False)
    _classes: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    #: Outcome of the rmap_omit/rmap_relevance gate per tuple of the (name, value) pairs those expressions read.
    _gates: dict[tuple, Constant | None] = field(default_factory=dict, repr=False)
    #: Parameters parkey_relevance sets to N/A, per tuple of the (name, value) pairs its expressions read.
    _irrelevant: dict[tuple, tuple[str, ...]] = field(default_factory=dict, repr=False)
    #: Per expression group ("gate", "parkey"): the names read, and header key order -> the keys they read.
    _reads: dict[str, tuple[frozenset[str], dict[tuple, tuple]]] = field(default_factory=dict, repr=False)
    #: The required parameters the parkey_relevance expressions read (see ``_read_parkeys``).
    _relevance_parkeys: tuple[str, ...] | None = field(default=None, repr=False)
    _representatives: dict[str, dict[Any, str]] = field(default_factory=dict, repr=False)
    #: Per other program (by id): (that program, how its plans carry over here, or None) (see ``carried_from``).
    _alike: dict[int, tuple[RmapProgram, Carry | None]] = field(default_factory=dict, repr=False)
    #: (itemgetter of the selector's parameters, how many): a header's values of them (KeyError if one is absent).
    _selector_values: tuple[Any, int] | None = field(default=None, repr=False)
    #: The key columns a plan's header is made of (all but the date feature, which is last when present).
    _header_columns: tuple[str, ...] | None = field(default=None, repr=False)
    #: (name, lower-case name, upper-case name) of each required parameter (``lookup.minimize``'s lookups).
    _parkey_cases: tuple[tuple[str, str, str], ...] | None = field(default=None, repr=False)

    def carried_from(self, other: RmapProgram) -> Carry | None:
        """Which plans of ``other``'s rmap are this rmap's plans too (:func:`plan_carries_over`), or None.

        Two rmaps that differ only in their Match table (same header apart from name, checksum
        and derivation, same Match parameters) run the same gate, hooks, DNR and reffile rules on
        every distinct key tuple.  With the same keys they score a header alike, so a plan whose
        chains touched only selections with equal choices in both is the same plan, and the rows
        it covers get the same results under both rmaps: the context diff's unchanged part.  With
        keys added or removed, a plan also carries over when it touched no removed key, no key
        the new rmap adds scores at least as well as the last group it tried, and the new
        parameter checks accept what the old accepted.  None when the programs are not alike.
        """
        found = self._alike.get(id(other))
        if found is None or found[0] is not other:
            from .carry import carried_selections

            found = self._alike[id(other)] = (other, carried_selections(other, self))
        return found[1]

    def value_class(self, column: str, value: str) -> str:
        """The representative of ``value``'s class in ``column``: values of one class give the same plan.

        For a column only the Match selector and the DNR rule read, a plan depends on a
        value only through its Match scores against every key, whether it validates (a
        failing value is its own class: the error text quotes it) and what the DNR rule
        sees of it.  Grouping by class instead of by value divides the number of plans
        to compute by the product of the columns' class sizes.
        """
        classes = self._classes.setdefault(column, {})
        found = classes.get(value)
        if found is None:
            signature = _signature(self.rmap, column, value)
            found = classes[value] = self._representatives.setdefault(column, {}).setdefault(signature, value)
        return found

    def cached_plan(self, key: tuple) -> Plan | None:
        """The plan of ``key`` if already computed."""
        return self._plans.get(key)

    def plan(self, key: tuple, dates: dict[str, str] | None = None) -> Plan:
        """The plan for one distinct key tuple (cached across partitions).

        ``dates`` are a representative row's date values, read only by hooks through
        their date feature (which is part of ``key``).
        """
        found = self._plans.get(key)
        if found is None:
            columns = self._header_columns
            if columns is None:
                columns = self._header_columns = _header_columns(self.key_columns)
            header = dict(zip(columns, key))
            if not self.vectorized:
                found = Constant(lookup.rmap_reference(self.rmap, header))
            else:
                header.update(dates or {})
                found = _plan(self, header)
            self._plans[key] = found
        return found


def _header_columns(key_columns: list[str]) -> tuple[str, ...]:
    """The key columns that go into a plan's header, as a prefix of ``key_columns``: all but the date feature.

    compile_rmap puts the date feature last, so zipping a key with this prefix leaves it out.
    """
    if DATE_FEATURE not in key_columns:
        return tuple(key_columns)
    if key_columns[-1] != DATE_FEATURE or key_columns.count(DATE_FEATURE) > 1:
        raise ValueError(f"the date feature must be the last key column: {key_columns}")
    return tuple(key_columns[:-1])


class _Reads(NamedTuple):
    """What the evaluation of an rmap reads of an instrument's header keys."""

    all: set[str]  #: every key: the rmap's parameters, what its expressions and hooks read, the HST DNR rule's
    expressions: set[str]
    hooks: frozenset[str]


def _reads(rmap: ReferenceMapping, instrument_keys: list[str]) -> _Reads:
    available = set(instrument_keys)
    aliases = {key.replace(".", "_"): key for key in instrument_keys}
    expression_names: set[str] = set(rmap.rmap_relevance.names) | set(rmap.rmap_omit.names)
    for expression in rmap.parkey_relevance.values():
        expression_names |= expression.names
    expression_keys = {aliases.get(name, name) for name in expression_names} & available
    hooks = [hook for hook in (rmap.precondition, rmap.fallback) if hook]
    hook_reads = frozenset().union(*(hook.reads for hook in hooks)) & available
    read = set(rmap.required_parkeys) | expression_keys | hook_reads
    if rmap.observatory == "hst":
        read |= set(DNR_READS) & available
    return _Reads(read, expression_keys, hook_reads)


def rmap_reads(rmap: ReferenceMapping, instrument_keys: list[str]) -> set[str]:
    """Every header key the evaluation of ``rmap`` may read, given the instrument's keys (its parameters, the keys
    its expressions and hooks read, the HST DNR rule's): a job evaluating only some types needs no other column
    for them."""
    return set(_reads(rmap, instrument_keys).all)


def compile_rmap(rmap: ReferenceMapping, instrument_keys: list[str]) -> RmapProgram:
    """Choose the key columns and the evaluation strategy of ``rmap`` for an instrument's header keys."""
    available = set(instrument_keys)
    read, expression_keys, hook_reads = _reads(rmap, instrument_keys)
    hooks = [hook for hook in (rmap.precondition, rmap.fallback) if hook]
    dates = _useafter_dates(rmap.selector)
    features = {hook.date_feature for hook in hooks if hook.date_feature}
    vectorized = (
        dates is not None
        and not (set(dates) & (expression_keys | _match_parameters(rmap.selector)))
        and not any(date.lower() in rmap.parkey_relevance for date in dates)
        and len(features) <= 1
        and (not features or tuple(dates) in ((), ("DATE-OBS", "TIME-OBS")))
    )
    if not vectorized:
        return RmapProgram(rmap, sorted(read))
    # Only the Match fields, expressions, hooks and the DNR rule read anything but the UseAfter dates.
    read = _match_parameters(rmap.selector) | expression_keys
    if rmap.observatory == "hst":
        read |= set(DNR_READS) & available
    read |= hook_reads - {"DATE-OBS", "TIME-OBS"}
    key_columns = sorted(read)
    feature = features.pop() if features else None
    date_columns = tuple(dates) if dates else (("DATE-OBS", "TIME-OBS") if feature else ())
    if feature:
        key_columns.append(DATE_FEATURE)
    reducible: tuple[str, ...] = ()
    if not hooks:  # (with hooks, value classes would stop plans carrying over to an alike rmap with other keys)
        reducible = tuple(sorted((read - expression_keys) - {key.upper() for key in rmap.parkey_relevance}))
    thresholds = {hook.date_thresholds for hook in hooks if hook.date_feature}
    return RmapProgram(rmap, key_columns, date_columns, True, feature, reducible,
                       thresholds.pop() if len(thresholds) == 1 else None)


def _signature(rmap: ReferenceMapping, column: str, value: str) -> Any:
    """What the Match scoring, header validation and DNR rule of ``rmap`` see of ``value`` in ``column``."""
    selector = rmap.selector
    parts: list[Any] = []
    if isinstance(selector, MatchSelector) and column in selector.parameters:
        field_index = selector.parameters.index(column)
        try:
            selector.validate_value(column, value, selector.parkey_map[column])
        except Exception:
            return ("invalid", value)
        parts.append(selector._statuses(field_index, value).tobytes())
    if rmap.observatory == "hst" and column in DNR_READS:
        parts.append(dnr_check("hst", {"DETECTOR": value, "CCDGAIN": "0.5"}) if column == "DETECTOR"
                     else dnr_check("hst", {"DETECTOR": "WFC", "CCDGAIN": value}))
    return tuple(parts)


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
    """Run the scalar rules up to the date choice (crds ``_get_best_ref`` without the dates)."""
    rmap = program.rmap
    for date in program.date_columns:
        header.setdefault(date, "UNDEFINED")
    try:
        gated = _gate(program, header)
        if gated is not None:
            return gated
        matched = rmap.precondition(dict(header)) if rmap.precondition else header
        matched = _apply_parkey_relevance(program, matched)  # read only from here on: may be ``header``
    except Exception as exc:
        return Constant("NOT FOUND " + str(exc))
    primary = _cached_chain(program, matched)
    primary.dnr = dnr_check(rmap.observatory, matched)
    primary.required = rmap.reffile_required in ("YES", "NONE")
    if rmap.fallback and not primary.dnr:
        primary.fallback = _fallback_chain(program, header, primary.required)
    return primary


def _read_by(program: RmapProgram, group: str, header: dict[str, str]) -> tuple:
    """The (key, value) pairs of ``header`` that the expressions of ``group`` can see (in header order)."""
    found = program._reads.get(group)
    if found is None:
        rmap = program.rmap
        expressions = ([rmap.rmap_omit, rmap.rmap_relevance] if group == "gate"
                       else list(rmap.parkey_relevance.values()))
        found = program._reads[group] = (frozenset().union(*(e.names for e in expressions)), {})
    names, memo = found
    if not names:  # constant expressions: the outcome is the same for every header
        return ()
    keys = tuple(header)  # a program's headers come in few key orders: which keys are read is memoized per order
    read = memo.get(keys)
    if read is None:
        read_keys = tuple(key for key in keys if key in names or evalable_name(key) in names)
        read = memo[keys] = (read_keys, itemgetter(*read_keys) if len(read_keys) > 1 else None)
    read_keys, values = read
    if values is None:
        return tuple((key, header[key]) for key in read_keys)
    return tuple(zip(read_keys, values(header)))


def _gate(program: RmapProgram, header: dict[str, str]) -> Constant | None:
    """The rmap_omit / rmap_relevance outcome: a constant result, or None to go on (cached per values read)."""
    rmap = program.rmap
    key = _read_by(program, "gate", header)
    try:
        return program._gates[key]
    except KeyError:
        pass
    expr_header = lookup.add_evalable_keys(header)
    if lookup.rmap_omitted(rmap, expr_header):
        found: Constant | None = Constant(None)
    elif not lookup.rmap_relevant(rmap, expr_header):
        found = Constant("NOT FOUND n/a")
    else:
        found = None
    program._gates[key] = found
    return found


def _apply_parkey_relevance(program: RmapProgram, header: dict[str, str]) -> dict[str, str]:
    """``lookup.apply_parkey_relevance``, computed once per tuple of the values its expressions read.

    Returns ``header`` itself when no parameter becomes N/A, else a copy.
    """
    rmap = program.rmap
    if not rmap.parkey_relevance:
        return header
    undefined = tuple(key for key in _read_parkeys(program)  # defaulted to UNDEFINED for the expressions
                      if header.get(key) in ("UNDEFINED", None))
    key = (_read_by(program, "parkey", header), undefined)
    irrelevant = program._irrelevant.get(key)
    if irrelevant is None:
        irrelevant = program._irrelevant[key] = tuple(lookup.irrelevant_parkeys(rmap, header))
    if not irrelevant:
        return header
    result = dict(header)
    for name in irrelevant:
        result[name] = "N/A"
    return result


def _read_parkeys(program: RmapProgram) -> tuple[str, ...]:
    """The required parameters the parkey_relevance expressions read (by name or evalable name).

    ``lookup.irrelevant_parkeys`` gives the expressions ``UNDEFINED`` for a required parameter the header
    lacks or holds as UNDEFINED/None; only those the expressions read can change their outcome.
    """
    found = program._relevance_parkeys
    if found is None:
        names = frozenset().union(*(e.names for e in program.rmap.parkey_relevance.values()))
        found = program._relevance_parkeys = tuple(
            key for key in program.rmap.required_parkeys if key in names or evalable_name(key) in names)
    return found


def _fallback_chain(program: RmapProgram, header: dict[str, str], required: bool) -> Chain | None:
    rmap = program.rmap
    try:
        fallback = rmap.fallback(dict(header))
    except Exception as exc:  # the hook itself failed: crds lets this escape the reffile_required logic
        return Chain([], abort="NOT FOUND " + str(exc))
    if not fallback:
        return None
    try:
        fallback = _minimized(program, lookup.fits_to_parkeys(rmap.observatory, fallback))
        fallback = _apply_parkey_relevance(program, fallback)
    except Exception as exc:
        return Chain([("error", str(exc))], required=required)
    chain = _cached_chain(program, fallback)
    chain.required = required
    return chain


_ABSENT = object()


def _minimized(program: RmapProgram, header: dict[str, str]) -> dict[str, str]:
    """``lookup.minimize(header, program.rmap.required_parkeys)`` with the key cases computed once."""
    cases = program._parkey_cases
    if cases is None:
        cases = program._parkey_cases = tuple((key, key.lower(), key.upper())
                                              for key in program.rmap.required_parkeys)
    result = {}
    get = header.get
    for key, lower, upper in cases:
        value = get(lower, _ABSENT)
        result[key] = get(upper, "UNDEFINED") if value is _ABSENT else value
    return result


def _cached_chain(program: RmapProgram, header: dict[str, str]) -> Chain:
    """``_chain(program.rmap.selector, header)``, computed once per tuple of the selector's parameter values.

    The selector reads nothing else of the header (presence, validity and match
    scores of its parameters), so plans differing only in other columns share it.
    A fresh :class:`Chain` is returned each time: callers set its flags.
    """
    selector = program.rmap.selector
    if program._selector_values is None:
        parameters = tuple(selector.parameters)
        program._selector_values = (itemgetter(*parameters) if parameters else None, len(parameters))
    values, count = program._selector_values
    present = True
    try:
        key = values(header) if count > 1 else (values(header),) if count else ()
    except KeyError:  # a parameter the header lacks
        key = tuple(header.get(name, _ABSENT) for name in selector.parameters)
        present = False
    found = program._steps.get(key)
    class_key = None
    if found is None and present:
        class_key = _class_key(program, selector, key)
        found = program._steps.get(class_key)
        if found is not None:
            program._steps[key] = found
    if found is None:
        chain = _chain(selector, header)
        chain.basis = (key, *chain.basis) if chain.basis else None
        program._steps[key] = (chain.steps, chain.touched, chain.basis)
        if class_key is not None:
            program._steps[class_key] = program._steps[key]
        return chain
    basis = found[2]
    if basis is not None and basis[0] != key:  # another value of the same classes: its own values
        basis = (key, *basis[1:])
    return Chain(found[0], top_useafter=isinstance(selector, UseAfterSelector), touched=found[1], basis=basis)


def _class_key(program: RmapProgram, selector: Selector, values: tuple) -> tuple:
    """What a Match selector's candidates depend on of its parameters' ``values`` (all present): each value's
    class (:meth:`RmapProgram.value_class`: its scores against every key and whether it validates, a value
    that does not being its own class). Values of the same classes get the same steps, so distinct headers
    (many, once a hook has rewritten some keys) share the steps found for the first. Other selectors:
    ``values`` as they are."""
    if not isinstance(selector, MatchSelector):
        return values
    value_class = program.value_class
    try:
        return (_CLASSES, *(value_class(name, value) for name, value in zip(selector.parameters, values)))
    except Exception:  # a value the scoring cannot take: keyed by itself, as it fails alike
        return values


_CLASSES = object()  # marks a key of classes apart from a key of values


def _chain(selector: Selector, header: dict[str, str]) -> Chain:
    """Candidates of ``selector`` for ``header`` (best weight group first)."""
    if isinstance(selector, UseAfterSelector):
        return Chain([("useafter", selector)], top_useafter=True)
    try:
        selector.check_defined(header)
        failure = selector.validation_failure(header)
    except Exception as exc:  # the parameter checks failed: they read only the parameters' valid values
        failure = exc
    if failure is not None:
        return Chain([("error", str(failure))], basis=(None, True))
    try:
        weights: dict[int, list[int]] = {}
        for weight, index in selector.weights(header):
            weights.setdefault(weight, []).append(index)
    except Exception as exc:
        return Chain([("error", str(exc))])
    steps: list[tuple[str, Any]] = []
    touched: list[int] = []
    last_weight, stopped = None, False
    for weight, indices in sorted(weights.items()):
        touched.extend(indices)
        last_weight = weight
        try:
            choice = selector.merged_choice(tuple(indices))
        except Exception as exc:  # raised lazily by crds, only for rows that reach this group
            steps.append(("error", str(exc)))
            stopped = True
            break
        if isinstance(choice, UseAfterSelector):
            steps.append(("useafter", choice))
        else:
            steps.append(("value", terminal_result(choice)))
            stopped = True
            break  # a terminal candidate always succeeds
    return Chain(steps, touched=tuple(sorted(touched)), basis=(last_weight, stopped))


def terminal_result(choice: Any) -> Any:
    """A chosen terminal value as it appears in the results (N/A -> ``NOT FOUND n/a``, OMIT -> None)."""
    try:
        return lookup._terminal(choice)
    except IrrelevantType:
        return "NOT FOUND n/a"
    except OmitType:
        return None


def instrument_programs(imap: InstrumentContext, instrument_keys: list[str]) -> dict[str, RmapProgram]:
    """Compiled programs of every rmap type of an instrument.

    A program is cached on its rmap object (per instrument keys), so contexts
    sharing an rmap (loaded once per process) share its compiled plans too.
    """
    key = tuple(instrument_keys)
    programs = {}
    for filekind in imap.selections:
        child = imap.child(filekind)
        if isinstance(child, ReferenceMapping):
            cache = child.__dict__.setdefault("_engine_programs", {})
            program = cache.get(key)
            if program is None:
                program = cache[key] = compile_rmap(child, instrument_keys)
            programs[filekind] = program
    return programs
