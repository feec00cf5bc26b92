"""Dataset archetypes: parameter combinations that an instrument's rmaps agree on.

An archetype is one plausible instrument configuration (detector, amp,
gain, filters...) built from real match rows: a *driving* rmap's row is
taken first, then every other rmap of the instrument contributes a row
compatible with what is already chosen, so that the archetype selects real
references in most of its types. Rotating the driving rmap spreads the
pool over all types' rows. Dates and switches are drawn later, per dataset.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from . import patterns
from .rules import InstrumentFacts, RmapFacts

#: Literal comparisons in rmap_relevance / parkey_relevance expressions: NAME ==|!= "value".
_EXPRESSION_LITERAL = re.compile(r"([A-Za-z_][\w.\-]*)\s*(?:==|!=)\s*[\"']([^\"']*)[\"']")
_EXPRESSION_IN = re.compile(r"([A-Za-z_][\w.\-]*)\s+in\s+[\[(]([^\])]*)[\])]")


@dataclass(frozen=True)
class ArchetypePool:
    """A pool of archetypes of one instrument, column-wise.

    ``columns`` maps a parameter name to an object array of conditioned
    string values (``None`` when the archetype leaves it unset);
    ``min_dates`` is each archetype's earliest date at which all of its
    chosen rows have a reference.
    """

    instrument: str
    columns: dict[str, np.ndarray]
    min_dates: np.ndarray  # datetime64[s]
    #: Row index chosen in each rmap (by rmap name), -1 where none fitted.
    chosen_rows: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.min_dates)


def expression_literals(facts: InstrumentFacts) -> dict[str, set[str]]:
    """Values that the instrument's relevance expressions compare parameters with."""
    # Expressions spell dotted META names with underscores.
    spelled = {key.replace(".", "_"): key for key in facts.required_parkeys}
    found: dict[str, set[str]] = defaultdict(set)
    for rmap in facts.rmaps:
        texts = [rmap.rmap_relevance, *map(str, rmap.parkey_relevance.values())]
        for text in texts:
            pairs = list(_EXPRESSION_LITERAL.findall(text))
            for name, values in _EXPRESSION_IN.findall(text):
                pairs += [(name, value) for value in re.findall(r"[\"']([^\"']*)[\"']", values)]
            for name, value in pairs:
                key = spelled.get(name.upper(), name.upper())
                found[key].add(patterns.condition(value))
    return dict(found)


def _substituted(rmap: RmapFacts, key: str, pattern: str) -> str:
    table = rmap.substitutions.get(key) or rmap.substitutions.get(key.lower())
    if table and pattern in table:
        return str(table[pattern])
    return pattern


class _RmapIndex:
    """Row patterns of one rmap with cached 'rows accepting value v for field i' masks."""

    def __init__(self, rmap: RmapFacts):
        self.rmap = rmap
        self.rows = [tuple(_substituted(rmap, key, pattern) for key, pattern in zip(rmap.match_keys, row.patterns))
                     for row in rmap.rows]
        self.min_dates = np.array([_to_datetime(row.dates[0]) if row.dates else np.datetime64("NaT", "s")
                                   for row in rmap.rows], dtype="datetime64[s]")
        self._masks: dict[tuple[int, str], np.ndarray] = {}
        # Most patterns are free or plain alternatives: index those, test only the rest one by one.
        count = len(self.rows)
        self._free = [np.zeros(count, dtype=bool) for _ in rmap.match_keys]
        self._literal: list[dict[str, list[int]]] = [defaultdict(list) for _ in rmap.match_keys]
        self._esoteric: list[list[int]] = [[] for _ in rmap.match_keys]
        for number, row in enumerate(self.rows):
            for field, pattern in enumerate(row):
                if patterns.is_free(pattern):
                    self._free[field][number] = True
                elif patterns.is_literal(pattern):
                    for value in patterns.examples(pattern):
                        self._literal[field][value].append(number)
                else:
                    self._esoteric[field].append(number)
        self._examples: dict[tuple[int, int], list[str]] = {}

    def examples(self, row: int, field: int, known: list[str] | tuple[str, ...]) -> list[str]:
        key = (row, field)
        found = self._examples.get(key)
        if found is None:
            found = self._examples[key] = patterns.examples(self.rows[row][field], known)
        return found

    def mask(self, field: int, value: str) -> np.ndarray:
        key = (field, value)
        mask = self._masks.get(key)
        if mask is None:
            if value in ("*", "N/A"):
                mask = np.ones(len(self.rows), dtype=bool)
            else:
                mask = self._free[field].copy()
                mask[self._literal[field].get(value, [])] = True
                for number in self._esoteric[field]:
                    mask[number] = patterns.accepts(self.rows[number][field], value)
            self._masks[key] = mask
        return mask


def _to_datetime(text: str) -> np.datetime64:
    try:
        return np.datetime64(text.strip().replace(" ", "T")[:19], "s")
    except ValueError:
        return np.datetime64("NaT", "s")


def known_values(facts: InstrumentFacts) -> dict[str, list[str]]:
    """Every literal value the instrument's rmaps spell out, per parameter."""
    known: dict[str, set[str]] = defaultdict(set)
    for rmap in facts.rmaps:
        for row in rmap.rows:
            for key, pattern in zip(rmap.match_keys, row.patterns):
                text = _substituted(rmap, key, pattern)
                known[key].update(patterns.examples(text))
            for key, values in row.values:
                known[key.upper()].update(values)
    return {key: sorted(values) for key, values in known.items()}


def build_pool(facts: InstrumentFacts, size: int, rng: np.random.Generator,
               skip: frozenset[str] = frozenset()) -> ArchetypePool:
    """Build ``size`` archetypes of one instrument.

    Parameters
    ----------
    facts
        The instrument's rules.
    size
        Number of archetypes.
    rng
        Source of randomness (the pool is a pure function of its state).
    skip
        Parameters left to per-dataset drawing (dates, switches, instrument keyword).
    """
    indexes = [_RmapIndex(rmap) for rmap in facts.rmaps if rmap.rows]
    drivers = [index for index in indexes if index.rmap.match_keys and len(index.rows) > 0] or indexes
    known = known_values(facts)
    literals = expression_literals(facts)
    free_choices = {key: sorted(set(known.get(key, ())) | literals.get(key, set()))
                    for key in facts.required_parkeys}
    columns = {key: np.empty(size, dtype=object) for key in facts.required_parkeys if key not in skip}
    chosen = {index.rmap.name: np.full(size, -1, dtype=np.int32) for index in indexes}
    min_dates = np.full(size, np.datetime64("NaT", "s"), dtype="datetime64[s]")
    for number in range(size):
        driver = drivers[number % len(drivers)] if drivers else None
        others = [indexes[i] for i in rng.permutation(len(indexes)) if indexes[i] is not driver]
        assigned: dict[str, str] = {}
        latest_start = np.datetime64("NaT", "s")
        for index in ([driver] if driver else []) + others:
            row = _pick_row(index, assigned, rng)
            if row < 0:
                continue
            chosen[index.rmap.name][number] = row
            _assign_row(index, row, assigned, known, rng)
            start = index.min_dates[row]
            if not np.isnat(start) and (np.isnat(latest_start) or start > latest_start):
                latest_start = start
        for key, column in columns.items():
            value = assigned.get(key)
            if value is None and free_choices.get(key):
                value = free_choices[key][rng.integers(len(free_choices[key]))]
            column[number] = value
        min_dates[number] = latest_start
    return ArchetypePool(facts.instrument, columns, min_dates, chosen)


def _pick_row(index: _RmapIndex, assigned: dict[str, str], rng: np.random.Generator) -> int:
    """A random row of ``index`` compatible with the values chosen so far, or -1."""
    mask = np.ones(len(index.rows), dtype=bool)
    for field, key in enumerate(index.rmap.match_keys):
        value = assigned.get(key)
        if value is not None:
            mask &= index.mask(field, value)
            if not mask.any():
                return -1
    candidates = np.flatnonzero(mask)
    if not len(candidates):
        return -1
    return int(candidates[rng.integers(len(candidates))])


def _assign_row(index: _RmapIndex, row: int, assigned: dict[str, str], known: dict[str, list[str]],
                rng: np.random.Generator) -> None:
    """Give the parameters the row constrains and that are still open a value the row accepts."""
    for field, key in enumerate(index.rmap.match_keys):
        if key in assigned:
            continue
        options = index.examples(row, field, known.get(key, ()))
        if options:
            assigned[key] = options[rng.integers(len(options))]
    for key, values in index.rmap.rows[row].values:
        key = key.upper()
        if key not in assigned and values:
            assigned[key] = values[rng.integers(len(values))]
