"""What the generator needs to know about a context's rules, read with the safe parser.

This is deliberately *not* the rules engine: it keeps only the facts that
parameter synthesis draws on (match rows, UseAfter dates, switches,
relevance expressions, required parkeys) as plain tuples, so the generator
does not depend on the engine's classes.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field

from ..cache import directories_of, locate_near, user_mapping_path
from ..observatories import observatory_of_name
from ..observatories.tables import Observatory
from ..rules.parsing import SelectorCall, parse_mapping

#: Selector classes whose keys are dataset dates (UseAfter dates).
DATE_SELECTORS = frozenset({"UseAfter"})
#: Selector classes whose keys are values of their (single) parkey: versions, times, numbers.
VALUE_SELECTORS = frozenset({"VersionAfter", "SelectVersion", "ClosestTime", "GeometricallyNearest", "Bracket"})


@dataclass(frozen=True)
class MatchRow:
    """One Match key of an rmap, with what its nested selectors hold."""

    #: Raw match patterns as written (stringified), one per match parkey.
    patterns: tuple[str, ...]
    #: UseAfter dates under this row, raw strings as written, sorted.
    dates: tuple[str, ...]
    #: (date, file) pairs under this row (file is the first file name found).
    files: tuple[tuple[str, str], ...]
    #: Keys of value selectors (VersionAfter...) under this row, by parkey.
    values: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class RmapFacts:
    """The facts of one rmap that parameter synthesis uses."""

    name: str
    filekind: str
    #: Parkeys matched by the Match level (empty for date-only rmaps).
    match_keys: tuple[str, ...]
    #: All parkeys of all levels, flattened.
    parkeys: tuple[str, ...]
    rows: tuple[MatchRow, ...]
    reffile_switch: str
    extra_keys: tuple[str, ...]
    rmap_relevance: str
    parkey_relevance: dict
    substitutions: dict
    reffile_required: str


@dataclass(frozen=True)
class InstrumentFacts:
    """One instrument's rmaps and required parameters under a context."""

    observatory: Observatory
    instrument: str
    imap: str
    rmaps: tuple[RmapFacts, ...]
    #: Types whose imap entry is N/A or OMIT (no rmap).
    special_types: dict[str, str]
    #: Parameters crds keeps after minimizing a header, as crds computes them.
    required_parkeys: tuple[str, ...]
    #: All (date-ish) UseAfter keys over the instrument's rmaps, raw.
    useafter_dates: tuple[str, ...] = field(default=())


def _as_tuple(key) -> tuple:
    return key if isinstance(key, tuple) else (key,)


def _flatten_parkeys(parkey) -> list[tuple[str, ...]]:
    """Header parkey as one tuple per selector level (a flat tuple is one level)."""
    parkey = tuple(parkey)
    if parkey and all(isinstance(item, tuple) for item in parkey):
        return [tuple(level) for level in parkey]
    return [parkey]


def _collect(selector, levels: list[tuple[str, ...]], depth: int, dates: list, files: list, values: dict) -> None:
    """Walk the selectors nested under one Match row, gathering dates, files and values."""
    if isinstance(selector, SelectorCall):
        keys = levels[depth] if depth < len(levels) else ()
        for key, nested in selector.table:
            if selector.name in DATE_SELECTORS:
                dates.append(str(key))
                if isinstance(nested, str):
                    files.append((str(key), nested))
            elif selector.name in VALUE_SELECTORS and keys:
                values.setdefault(keys[0], []).append(str(key))
            _collect(nested, levels, depth + 1, dates, files, values)
    elif isinstance(selector, tuple) and selector and isinstance(selector[0], str):
        # Tied terminal files are written as a tuple of names.
        pass


def rmap_facts(name: str, near: tuple[str, ...] = ()) -> RmapFacts:
    """Read the facts of rmap ``name`` from the cache."""
    parsed = _parse(name, near)
    header = parsed.header
    levels = _flatten_parkeys(header.get("parkey", ()))
    selector = parsed.selector
    rows: list[MatchRow] = []
    match_keys: tuple[str, ...] = ()
    if isinstance(selector, SelectorCall) and selector.name == "Match":
        match_keys = levels[0]
        for key, nested in selector.table:
            dates: list[str] = []
            files: list[tuple[str, str]] = []
            values: dict[str, list[str]] = {}
            _collect(nested, levels, 1, dates, files, values)
            patterns = tuple(str(item) for item in _as_tuple(key))
            rows.append(MatchRow(patterns, tuple(sorted(dates)), tuple(sorted(files)),
                                 tuple((k, tuple(v)) for k, v in values.items())))
    else:
        dates, files, values = [], [], {}
        _collect(selector, levels, 0, dates, files, values)
        rows.append(MatchRow((), tuple(sorted(dates)), tuple(sorted(files)),
                             tuple((k, tuple(v)) for k, v in values.items())))
    return RmapFacts(
        name=name,
        filekind=str(header.get("filekind", "")).upper(),
        match_keys=tuple(key.upper() for key in match_keys),
        parkeys=tuple(key.upper() for level in levels for key in level),
        rows=tuple(rows),
        reffile_switch=str(header.get("reffile_switch", "NONE")).upper(),
        extra_keys=tuple(key.upper() for key in header.get("extra_keys", ())),
        rmap_relevance=str(header.get("rmap_relevance", "ALWAYS")),
        parkey_relevance=dict(header.get("parkey_relevance", {})),
        substitutions=dict(header.get("substitutions", {})),
        reffile_required=str(header.get("reffile_required", "YES")).upper(),
    )


def _parse(name: str, near: tuple[str, ...] = ()):
    with open(locate_near(name, near), encoding="utf-8") as handle:
        return parse_mapping(handle.read(), os.path.basename(name))


@functools.lru_cache(maxsize=32)
def context_facts(context: str) -> dict[str, InstrumentFacts]:
    """Facts of every instrument of pipeline context ``context`` (a ``.pmap`` name), keyed upper-case."""
    observatory = observatory_of_name(context)
    context = user_mapping_path(context)  # ./name if it exists here, crds://name from the cache (as crds)
    near = directories_of(context)
    pmap = _parse(context)
    result = {}
    for instrument, imap_name in pmap.selector.items():
        result[str(instrument).upper()] = instrument_facts(observatory, str(instrument).upper(), imap_name, near)
    return result


def instrument_facts(observatory: Observatory, instrument: str, imap_name: str,
                     near: tuple[str, ...] = ()) -> InstrumentFacts:
    """Facts of one instrument from its imap and rmaps."""
    imap = _parse(imap_name, near)
    rmaps, special = [], {}
    for filekind, rmap_name in sorted(imap.selector.items()):
        if not str(rmap_name).endswith(".rmap"):
            special[str(filekind).lower()] = str(rmap_name)
            continue
        rmaps.append(rmap_facts(rmap_name, near))
    required = set()
    for facts in rmaps:
        # As crds computes it: every level's parkeys, the switch, extra keys, observatory extras.
        required.update(facts.parkeys)
        if facts.reffile_switch != "NONE":
            required.add(facts.reffile_switch)
        required.update(facts.extra_keys)
        required.update(observatory.extra_header_keys)
    # crds counts the imap's own parkey (REFTYPE) among the required ones.
    required.update(str(key).upper() for key in imap.header.get("parkey", ()))
    required.add(observatory.instrument_keyword)
    dates = sorted({date for facts in rmaps for row in facts.rows for date in row.dates})
    return InstrumentFacts(observatory, instrument, imap_name, tuple(rmaps), special,
                           tuple(sorted(required)), tuple(dates))
