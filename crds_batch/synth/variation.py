"""Per-dataset variation on top of archetypes: switches, relevance flips, invalid values, priors.

Everything here works column-wise on object arrays of strings (``None`` =
keyword absent), drawing from a numpy ``Generator`` so that a seed fixes
the output.
"""
from __future__ import annotations

import numpy as np

from .archetypes import ArchetypePool, expression_literals, known_values
from .rules import InstrumentFacts

#: Values of calibration switches (``DARKCORR``...) as archive catalogs hold them, with weights.
SWITCH_VALUES = np.array(["PERFORM", "COMPLETE", "OMIT"], dtype=object)
SWITCH_WEIGHTS = np.array([0.70, 0.15, 0.15])
#: Chance that a parameter compared in a relevance expression takes a value only the expression names
#: (ACS FLASHCUR == "OFF", OBSTYPE == "INTERNAL"...), switching that rmap off.
RELEVANCE_FLIP = 0.12
#: Kinds of invalid values and their weights: a value no rule knows, a missing keyword, a bad date.
INVALID_KINDS = ("value", "missing", "date")
INVALID_WEIGHTS = np.array([0.45, 0.35, 0.20])
#: Invalid spellings used for each kind.
BAD_VALUES = np.array(["BOGUS", "UNKNOWN-MODE", "XYZZY", "-12345.0", "F999Q"], dtype=object)
BAD_DATES = np.array(["UNDEFINED", "2011-13-45", "not-a-date", "31/31/2010"], dtype=object)
#: Chance that a recorded prior assignment is one UseAfter step older than the rules give now.
PRIOR_STALE = 0.2


def switch_keys(facts: InstrumentFacts) -> list[str]:
    """Calibration switches of the instrument that no match row constrains."""
    matched = {key for rmap in facts.rmaps for key in rmap.match_keys}
    keys = {rmap.reffile_switch for rmap in facts.rmaps if rmap.reffile_switch != "NONE"}
    keys |= {key for key in expression_literals(facts) if key.endswith("CORR")}
    return sorted(key for key in keys if key not in matched and key in facts.required_parkeys)


def flip_choices(facts: InstrumentFacts) -> dict[str, list[str]]:
    """Per parameter, the expression-only values that turn an rmap's relevance around."""
    known = known_values(facts)
    result = {}
    for key, values in expression_literals(facts).items():
        if key.endswith("CORR") or key not in facts.required_parkeys:
            continue
        extra = sorted(values - set(known.get(key, ())))
        if extra:
            result[key] = extra
    return result


def draw_switches(rng: np.random.Generator, keys: list[str], size: int) -> dict[str, np.ndarray]:
    """Independent switch values per dataset."""
    return {key: SWITCH_VALUES[rng.choice(len(SWITCH_VALUES), size=size, p=SWITCH_WEIGHTS)] for key in keys}


def flip_relevance(rng: np.random.Generator, columns: dict[str, np.ndarray], choices: dict[str, list[str]]) -> None:
    """Set a fraction of datasets' parameters to expression-only values, in place."""
    for key, values in choices.items():
        column = columns.get(key)
        if column is None:
            continue
        rows = np.flatnonzero(rng.random(len(column)) < RELEVANCE_FLIP)
        column[rows] = np.array(values, dtype=object)[rng.integers(len(values), size=len(rows))]


def corrupt(rng: np.random.Generator, columns: dict[str, np.ndarray], fraction: float,
            value_keys: list[str], date_keys: tuple[str, ...]) -> np.ndarray:
    """Make a fraction of datasets invalid, in place; return the kind index per dataset (-1 clean)."""
    size = len(next(iter(columns.values()))) if columns else 0
    kinds = np.full(size, -1, dtype=np.int8)
    rows = np.flatnonzero(rng.random(size) < fraction)
    if not len(rows) or not value_keys:
        return kinds
    kinds[rows] = rng.choice(len(INVALID_KINDS), size=len(rows), p=INVALID_WEIGHTS)
    targets = np.array(value_keys, dtype=object)[rng.integers(len(value_keys), size=len(rows))]
    for kind_index, kind in enumerate(INVALID_KINDS):
        selected = kinds[rows] == kind_index
        if kind == "date":
            key_rows = rows[selected]
            column = columns[date_keys[0]]
            column[key_rows] = BAD_DATES[rng.integers(len(BAD_DATES), size=len(key_rows))]
            continue
        for key in np.unique(targets[selected]):
            key_rows = rows[selected & (targets == key)]
            if kind == "value":
                columns[key][key_rows] = BAD_VALUES[rng.integers(len(BAD_VALUES), size=len(key_rows))]
            else:
                columns[key][key_rows] = None
    return kinds


def prior_assignments(rng: np.random.Generator, facts: InstrumentFacts, pool: ArchetypePool,
                      archetypes: np.ndarray, dates: np.ndarray, fraction: float,
                      keyword_of: dict[str, str], upper_names: bool) -> dict[str, np.ndarray]:
    """Reference names recorded for a fraction of datasets, as an earlier bestrefs run left them.

    The name is the file the dataset's archetype row gives at its date (the
    latest UseAfter date not after it), sometimes one step older; ``N/A``
    where the archetype fits no row. An approximation of history, not of
    the rules: the rules engine is what later compares against it.
    """
    size = len(archetypes)
    rows = np.flatnonzero(rng.random(size) < fraction)
    result: dict[str, np.ndarray] = {}
    if not len(rows):
        return result
    stale = rng.random(len(rows)) < PRIOR_STALE
    # Rule dates compare as the strings they are written as.
    iso = np.char.replace(np.datetime_as_string(dates[rows], unit="s"), "T", " ")
    for rmap in facts.rmaps:
        column = np.full(size, None, dtype=object)
        chosen = pool.chosen_rows.get(rmap.name)
        if chosen is None:
            continue
        picked = chosen[archetypes[rows]]
        values = np.full(len(rows), "N/A", dtype=object)
        for row_index in np.unique(picked):
            if row_index < 0:
                continue
            files = rmap.rows[row_index].files
            if not files:
                continue
            where = np.flatnonzero(picked == row_index)
            keys = np.array([date for date, _ in files])
            names = np.array([name.upper() if upper_names else name for _, name in files], dtype=object)
            position = np.searchsorted(keys, iso[where], side="right") - 1
            position = np.where(stale[where], position - 1, position)
            values[where] = np.where(position >= 0, names[np.maximum(position, 0)], "N/A")
        column[rows] = values
        result[keyword_of.get(rmap.filekind, rmap.filekind)] = column
    return result
