"""Inserting one reference into an rmap's selector tree, as crds 13.2.7's ``Selector.insert`` does.

Each nesting level makes its key from the insertion header (crds ``_make_key``):

- ``Match`` (and selectors without their own rule): the level's parameters'
  values, each or-pattern sorted (``glob_compress``); one parameter -> a plain value;
- ``UseAfter`` / ``ClosestTime``: the values joined by a space (a date and a time);
- ``VersionAfter``: the values joined by ``.``, or-pattern sorted;
- ``GeometricallyNearest`` / ``Bracket``: the first value as a float.

The key is validated as crds validates it on insertion: Match values must be
legal for their parameter (the type's ``ld_tpn`` values,
:mod:`crds_batch.certify.match_values`), UseAfter keys dates, VersionAfter
keys versions, numeric keys numbers. A Match key that is an equal-weight
special case of an existing one (crds's ``match_superset`` and match weights)
is a warning for HST rmaps that merge overlaps (crds shows it with
``--verbose`` only) and an error otherwise (JWST, Roman, ``merge_overlaps``
false): such an rmap would be ambiguous.

Then: an equal key (Match keys equal after conditioning, comment parameters
ignored; other kinds equal as written) at an inner level is descended into;
at the last level its file is replaced (the new key's text replaces the old
one's). A new key gets the rest of the path created below it. The writer
sorts each level's choices, so order of insertion does not matter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import CrdsBatchError
from ..rules.conditioning import condition_value, glob_compress, glob_list
from ..rules.dates import reformat_date
from ..rules.parsing import SelectorCall

_VERSION_RE = re.compile(r"^[0-9]+(\.[0-9]+){0,2}.*$")
_DATE_KINDS = ("UseAfter", "ClosestTime")
_NUMBER_KINDS = ("GeometricallyNearest", "Bracket")


class InsertionError(CrdsBatchError):
    """crds would refuse this insertion (an illegal key, an ambiguous Match case)."""


@dataclass
class Insertion:
    """The new selector tree, the key path the reference now sits at, and what it replaced."""

    selector: SelectorCall
    path: tuple = ()
    replaced: str | None = None
    replaced_key: Any = None  # the replaced case's key as it was written (comment parameters may differ)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RmapFacts:
    """What insertion needs from the rmap's header."""

    parkeys: tuple            # one tuple of parameter names per level
    classes: tuple            # one selector class name per level
    observatory: str
    merge_overlaps: bool
    comment_parkeys: frozenset
    legal: dict               # {parameter: legal values}, from the type's ld_tpn
    substitutions: dict       # the rmap header's own substitutions (engine settings)


def rmap_facts(parsed) -> RmapFacts:
    from ..certify.match_values import DEFAULT_CLASSES, legal_values_map
    from ..rules.selectors.base import RmapSettings

    header = parsed.header
    parkeys = tuple(tuple(level) if isinstance(level, (tuple, list)) else (level,) for level in header["parkey"])
    settings = RmapSettings(parsed.name, header.get("substitutions"), header.get("merge_overlaps"))
    return RmapFacts(
        parkeys=parkeys, classes=tuple(header.get("classes", DEFAULT_CLASSES)),
        observatory=str(header.get("observatory", "hst")).lower(), merge_overlaps=settings.merge_overlaps,
        comment_parkeys=frozenset(str(name).upper() for name in header.get("comment_parkeys", ())),
        legal=legal_values_map(parsed), substitutions=settings.substitutions)


def insert(selector: SelectorCall, facts: RmapFacts, header: dict[str, str], name: str) -> Insertion:
    """``selector`` with ``name`` inserted by ``header`` (crds ``Selector.insert``)."""
    result = Insertion(selector)
    result.selector = _insert(selector, facts, 0, header, name, result)
    return result


def make_key(kind: str, header: dict[str, str], parameters: tuple) -> Any:
    values = [header[parameter] for parameter in parameters]
    if kind in _DATE_KINDS:
        return " ".join(values)
    if kind == "VersionAfter":
        return glob_compress(".".join(values))
    if kind in _NUMBER_KINDS:
        return float(values[0])
    key = tuple(glob_compress(value) for value in values)
    return key[0] if len(key) == 1 else key


def _insert(selector: SelectorCall, facts: RmapFacts, level: int, header, name: str, result: Insertion):
    kind, parameters = facts.classes[level], facts.parkeys[level]
    if selector.name != kind:
        raise InsertionError(f"{selector.name} selector where the rmap's classes say {kind}")
    key = make_key(kind, header, parameters)
    _validate(selector, facts, level, key, result)
    table = list(dict(selector.table).items())
    index = next((i for i, (old, _) in enumerate(table) if _equal_keys(kind, facts, parameters, old, key)), None)
    last = level == len(facts.classes) - 1
    if index is None:
        result.path += (key,)
        table.append((key, name if last else _create_path(facts, level + 1, header, name, result)))
    elif last:
        result.path += (key,)
        result.replaced_key, result.replaced = table[index]
        table[index] = (key, name)
    else:
        old_key, old_choice = table[index]
        result.path += (old_key,)
        if isinstance(old_choice, SelectorCall):
            table[index] = (old_key, _insert(old_choice, facts, level + 1, header, name, result))
        else:
            table[index] = (old_key, _create_path(facts, level + 1, header, name, result))
    return replace(selector, table=tuple(table))


def _create_path(facts: RmapFacts, level: int, header, name: str, result: Insertion) -> Any:
    if level == len(facts.classes):
        return name
    kind = facts.classes[level]
    key = make_key(kind, header, facts.parkeys[level])
    result.path += (key,)
    return SelectorCall(kind, ((key, _create_path(facts, level + 1, header, name, result)),))


def _equal_keys(kind: str, facts: RmapFacts, parameters: tuple, first, second) -> bool:
    if kind != "Match":
        if kind in _NUMBER_KINDS:
            return condition_value(first) == condition_value(second)
        return first == second
    first, second = _conditioned_match_key(first), _conditioned_match_key(second)
    if len(first) != len(second):
        return False
    return all(one == two for parameter, one, two in zip(parameters, first, second)
               if parameter.upper() not in facts.comment_parkeys)


def _conditioned_match_key(key) -> tuple:
    """crds ``MatchSelector.condition_key``: each field conditioned; regexes and literals kept."""
    fields = key if isinstance(key, tuple) else (key,)
    conditioned = []
    for value in fields:
        if isinstance(value, str) and ((value.startswith("{") and value.endswith("}"))
                                       or (value.startswith("(") and value.endswith(")"))):
            conditioned.append(value)
        elif isinstance(value, str) and "|" in value:
            conditioned.append("|".join(condition_value(part) for part in glob_list(value)))
        elif isinstance(value, (tuple, list)):
            conditioned.append("|".join(condition_value(part) for part in value))
        else:
            conditioned.append(condition_value(glob_compress(value) if isinstance(value, str) else value))
    return tuple(conditioned)


# ------------------------------------------------------------------ validation

def _validate(selector: SelectorCall, facts: RmapFacts, level: int, key, result: Insertion) -> None:
    kind, parameters = facts.classes[level], facts.parkeys[level]
    if kind in _DATE_KINDS:
        try:
            reformat_date(key)
        except Exception:
            raise InsertionError(f"Invalid date/time format for {parameters!r} value = {key!r}") from None
    elif kind == "VersionAfter":
        if not _VERSION_RE.match(key):
            raise InsertionError(f"Invalid version string {key!r}")
    elif kind in _NUMBER_KINDS:
        pass  # made by float(): a number already
    elif kind == "Match":
        _validate_match_key(selector, facts, level, key, result)


def _validate_match_key(selector: SelectorCall, facts: RmapFacts, level: int, key, result: Insertion) -> None:
    from ..certify.match_values import IllegalValue, check_value

    parameters = facts.parkeys[level]
    fields = key if isinstance(key, tuple) else (key,)
    if len(fields) != len(parameters):
        raise InsertionError(f"wrong length for parameter list {parameters!r} for key {key!r}")
    for parameter, value in zip(parameters, fields):
        if parameter.upper() in facts.comment_parkeys or parameter not in facts.legal:
            continue
        for one in glob_list(str(value)):
            try:
                check_value(parameter, one, facts.legal[parameter], facts.substitutions)
            except IllegalValue as exc:
                raise InsertionError(f"Match{parameters!r} : {str(exc).strip()}") from None
    conditioned = tuple(condition_value(value) for value in fields)
    for other in _existing_keys(selector, facts, level):
        if conditioned != other and match_superset(other, conditioned) and not different_match_weight(conditioned,
                                                                                                      other):
            message = f"Match case {conditioned!r} is an equal weight special case of {other!r}"
            if facts.observatory != "hst" or not facts.merge_overlaps:
                raise InsertionError(f"{message}: for some parameter sets both match equally well")
            result.warnings.append(f"{message}: for some parameter sets, CRDS interprets both matches as "
                                   "equally good")


def _existing_keys(selector: SelectorCall, facts: RmapFacts, level: int) -> list[tuple]:
    """The level's keys as crds holds them: substituted and conditioned (the engine's Match keys)."""
    from ..rules.selectors.base import RmapSettings
    from ..rules.selectors.match import MatchSelector

    settings = RmapSettings("(insert)")
    settings.substitutions = facts.substitutions
    shallow = [(key, "x") for key, _ in selector.table]
    return [key for key, _ in MatchSelector(facts.parkeys[level], shallow, settings).selections]


def match_superset(general: tuple, special: tuple) -> bool:
    """True if the Match key ``general`` matches whenever ``special`` does (crds ``match_superset``)."""
    for one, two in zip(general, special):
        if one == two or one == "*" or two == "N/A" or (one == "N/A" and two == "*"):
            continue
        if two == "*":
            return False
        first, second = set(glob_list(one)), set(glob_list(two))
        if first > second:
            continue
        return False
    return True


def different_match_weight(special: tuple, general: tuple) -> bool:
    """True when N/A fields make the two keys' match weights differ (then they never tie)."""
    special_count = general_count = len(special)
    for one, two in zip(special, general):
        if one == "N/A" and two != "N/A":
            special_count -= 1
        elif two == "N/A" and one != "N/A":
            general_count -= 1
    return special_count != general_count
