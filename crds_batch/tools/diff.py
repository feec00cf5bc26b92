"""Logical differences between two contexts, as ``crds diff`` and ``crds bestrefs --diffs-only`` see them.

A difference is a path of mapping pairs ending in a message (``"replaced 'a.fits'
with 'b.fits'"``, ``"header replaced 'x' = ..."``). Selectors are compared on
their keys as written (not conditioned), as crds does. Which
(instrument, type) pairs a context change affects, whether rmap headers
changed or files were deleted, and the ``--datasets-since auto`` dates all
follow from these messages with crds's own rules, including its quirks (a
message naming ``name``, ``derived_from``, ``sha1sum`` or ``row_keys`` is boring;
an imap entry turning into ``N/A`` affects no type).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..cache import directories_of
from ..errors import ContextMismatchError
from ..rules.parsing import ParsedMapping, SelectorCall
from .mapping_tree import is_special, load_parsed, reference_names

#: Header keys whose changes do not matter (crds's BORING_VARS); matched as substrings of messages.
BORING_WORDS = ("name", "derived_from", "sha1sum", "row_keys")

#: Earliest date: datasets since this date are all datasets.
MIN_DATE = "1900-01-01 00:00:00"

#: Dataset date/time keyword pairs whose match-path values give a reference's first use.
DATE_TIME_PAIRS = (
    ("DATE-OBS", "TIME-OBS"),
    ("META.OBSERVATION.DATE", "META.OBSERVATION.TIME"),
    ("META_OBSERVATION_DATE", "META_OBSERVATION_TIME"),
    ("META.EXPOSURE.START_TIME",),
    ("META_EXPOSURE_START_TIME",),
    ("ROMAN.META.EXPOSURE.START_TIME",),
    ("ROMAN_META_EXPOSURE_START_TIME",),
)


@dataclass(frozen=True)
class Difference:
    """One logical difference: the mapping pairs it lies under and its message."""

    mappings: tuple[tuple[str, str], ...]
    message: str
    #: (instrument, filekind) of the rmap it concerns, if any.
    affects: tuple[str, str] | None = None

    @property
    def boring(self) -> bool:
        return any(word in self.message for word in BORING_WORDS)

    @property
    def action(self) -> str:
        """crds's reading of the message: replace/add/delete, with ``_rule`` or ``_header``."""
        message = self.message
        for word, action in (("replace", "replace"), ("add", "add"), ("delete", "delete"),
                             ("different classes", "class_difference"),
                             ("different parameter", "parkey_difference")):
            if word in message:
                break
        else:
            raise ValueError(f"Bad difference message {message!r}")
        if "rule" in message:
            return action + "_rule"
        if "header" in message:
            return action + "_header"
        return action


@dataclass(frozen=True)
class ContextDiff:
    """The logical differences from ``old`` to ``new`` and what they imply for reprocessing."""

    old: str
    new: str
    differences: tuple[Difference, ...]
    affected: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def interesting(self) -> list[Difference]:
        return [diff for diff in self.differences if not diff.boring]

    @property
    def header_modified(self) -> bool:
        return any("header" in diff.action for diff in self.interesting)

    @property
    def files_deleted(self) -> bool:
        return any("delete" in diff.action for diff in self.interesting)

    def affected_pairs(self) -> list[tuple[str, str]]:
        """Sorted (instrument, filekind) pairs, lower case."""
        return sorted((instr, kind) for instr, kinds in self.affected.items() for kind in kinds)


def diff_contexts(old: str, new: str) -> ContextDiff:
    """Logical differences between two mappings of the same kind (normally two .pmaps)."""
    near = directories_of(old, new)  # mappings given as paths: their new children sit beside them
    old_parsed, new_parsed = load_parsed(old), load_parsed(new)
    check_comparable(old, old_parsed, new, new_parsed)
    differences = tuple(sorted(_mapping_differences(old_parsed, new_parsed, (), near),
                               key=lambda d: (d.mappings, d.message)))
    affected: dict[str, set[str]] = defaultdict(set)
    for diff in differences:
        if not diff.boring and diff.affects and all(diff.affects):
            affected[diff.affects[0]].add(diff.affects[1])
    return ContextDiff(old, new, differences, {k: frozenset(v) for k, v in affected.items()})


def check_comparable(old: str, old_parsed: ParsedMapping, new: str, new_parsed: ParsedMapping) -> None:
    """Refuse, in one line, two mappings of different observatories or kinds (a .pmap and an .imap...)."""
    for what in ("observatory", "mapping"):
        old_value = str(old_parsed.header.get(what, "?")).lower()
        new_value = str(new_parsed.header.get(what, "?")).lower()
        if old_value != new_value:
            noun = "observatories" if what == "observatory" else "kinds"
            raise ContextMismatchError(
                f"Cannot compare {old_parsed.name} ({what} {old_value}) with {new_parsed.name} "
                f"({what} {new_value}): the two contexts must be of the same observatory and kind, "
                f"not different {noun}")


def _properties(parsed: ParsedMapping) -> tuple[str, str]:
    header = parsed.header
    return str(header.get("instrument", "")).lower(), str(header.get("filekind", "")).lower()


def _mapping_differences(old: ParsedMapping, new: ParsedMapping, path, near: tuple[str, ...] = ()) -> list[Difference]:
    here = path + ((old.name, new.name),)
    affects = _properties(new) if isinstance(new.selector, SelectorCall) else None
    diffs = [Difference(here, message, affects) for message in _header_messages(old.header, new.header)]
    if isinstance(old.selector, SelectorCall) or isinstance(new.selector, SelectorCall):
        parkey = tuple(new.header.get("parkey", ()))
        diffs += [Difference(here, message, affects)
                  for message in _selector_messages(old.selector, new.selector, top=True, parkey=parkey)]
        return diffs
    old_sel, new_sel = old.selector, new.selector
    for key, old_value in old_sel.items():
        if key not in new_sel:
            diffs.append(Difference(here, f"deleted {old_value!r}", _added_deleted_affects(old_value, near)))
            continue
        new_value = new_sel[key]
        if old_value == new_value:
            continue  # same file name: same file, no nested differences
        if is_special(old_value) or is_special(new_value):
            diffs.append(Difference(here, f"replaced {old_value!r} with {new_value!r}"))
            continue
        old_child, new_child = load_parsed(old_value, near), load_parsed(new_value, near)
        if old_child.header.get("sha1sum") != new_child.header.get("sha1sum"):
            diffs.append(Difference(here, f"replaced {old_value!r} with {new_value!r}"))
        diffs += _mapping_differences(old_child, new_child, here, near)
    for key, new_value in new_sel.items():
        if key not in old_sel:
            diffs.append(Difference(here, f"added {new_value!r}", _added_deleted_affects(new_value, near)))
    return diffs


def _added_deleted_affects(value, near: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """An rmap added to or deleted from an imap affects its whole type."""
    if isinstance(value, str) and value.endswith(".rmap"):
        return _properties(load_parsed(value, near))
    return None


def _header_messages(old: dict, new: dict) -> list[str]:
    messages = []
    for key, value in old.items():
        if key not in new:
            messages.append(f"deleted header {key!r} = {_header_value(value)!r}")
        elif _header_value(value) != _header_value(new[key]):
            messages.append(f"header replaced {key!r} = {_header_value(value)!r} with {_header_value(new[key])!r}")
    messages += [f"header added {key!r} = {_header_value(value)!r}" for key, value in new.items() if key not in old]
    return messages


def _header_value(value):
    """Header strings compare lower-cased unless parenthesized, as crds reads headers."""
    if isinstance(value, str) and not (value.startswith("(") and value.endswith(")")):
        return value.lower()
    return value


def _selector_messages(old, new, top: bool, parkey: tuple = (), level: int = 0) -> list[str]:
    if not isinstance(old, SelectorCall) or not isinstance(new, SelectorCall) or old.name != new.name:
        return [f"different classes {_short(old)} : {'N/A' if new == 'N/A' else _short(new)}"]
    if old.args != new.args:
        return [f"different parameter lists {old.args!r} : {new.args!r}"]
    messages: list[str] = []
    new_table = dict(new.table)
    old_keys = set(old.keys())
    for key, choice in old.table:
        if key not in new_table:
            messages += _flat(choice, f"deleted {old.name} rule for" if top or isinstance(choice, SelectorCall)
                              else "deleted terminal")
        elif isinstance(choice, SelectorCall):
            messages += _selector_messages(choice, new_table[key], top=False, parkey=parkey, level=level + 1)
        elif choice != new_table[key]:
            replacement = _choice_repr(new_table[key], parkey, level + 1)
            messages.append(f"replaced {choice!r} with {replacement}")
    for key, choice in new.table:
        if key not in old_keys:
            messages += _flat(choice, f"added {old.name} rule for" if top or isinstance(choice, SelectorCall)
                              else "added terminal")
    return messages


def _flat(choice, change: str) -> list[str]:
    if isinstance(choice, SelectorCall):
        return [message for value in choice.values() for message in _flat(value, change)]
    return [f"{change} {choice!r}"]


def _choice_repr(choice, parkey: tuple, level: int) -> str:
    """A choice as crds prints it: a nested selector shows its class, parameters and size."""
    if isinstance(choice, SelectorCall):
        parameters = tuple(parkey[level]) if level < len(parkey) else ()
        return f"{choice.name}Selector({parameters!r}, nselections={len(choice.table)})"
    return repr(choice)


def _short(value) -> str:
    return value.name if isinstance(value, SelectorCall) else type(value).__name__


# -- --datasets-since auto ----------------------------------------------------------------------

def datasets_since_auto(context_diff: ContextDiff) -> dict[str, str]:
    """Per instrument, the earliest first use of any reference added or deleted, as crds computes it.

    Returns ``{instrument: "YYYY-MM-DD HH:MM:SS"}``; every instrument maps to
    :data:`MIN_DATE` when an rmap header changed or anything was deleted.
    Instruments absent from the result have no cut-off (all datasets).
    """
    near = directories_of(context_diff.old, context_diff.new)
    old_sel = load_parsed(context_diff.old).selector
    new_sel = load_parsed(context_diff.new).selector
    if context_diff.header_modified or context_diff.files_deleted:
        return {instrument.lower(): MIN_DATE for instrument in old_sel}
    since: dict[str, str] = {}
    for instrument, old_imap in old_sel.items():
        new_imap = new_sel.get(instrument)
        if new_imap is None:
            continue
        old_refs, new_refs = reference_names(old_imap, near), reference_names(new_imap, near)
        dates = [first_use(new_imap, ref, near) for ref in sorted(new_refs - old_refs)]
        dates += [first_use(old_imap, ref, near) for ref in sorted(old_refs - new_refs)]
        if dates:
            since[instrument.lower()] = min(dates)
    return since


def first_use(imap_name: str, reference: str, near: tuple[str, ...] = ()) -> str:
    """Earliest 'DATE TIME' over the match paths of ``reference`` in an imap (crds's minimum EXPTIME)."""
    dates = []
    imap = load_parsed(imap_name, near)
    for rmap_name in imap.selector.values():
        if is_special(rmap_name):
            continue
        rmap = load_parsed(rmap_name, near)
        parkey = rmap.header.get("parkey", ())
        for path in _match_paths(rmap.selector, reference, parkey, 0, {}):
            dates.append(_exptime(path))
    return min(dates) if dates else MIN_DATE


def _match_paths(selector: SelectorCall, reference: str, parkey, level: int, sofar: dict):
    parameters = tuple(parkey[level]) if level < len(parkey) else ()
    for key, value in selector.table:
        here = dict(sofar)
        here.update(_match_item(selector.name, parameters, key))
        if isinstance(value, SelectorCall):
            yield from _match_paths(value, reference, parkey, level + 1, here)
        elif value == reference or (isinstance(value, tuple) and reference in value):
            yield here


def _match_item(selector_name: str, parameters: tuple, key) -> dict:
    if selector_name in ("UseAfter", "VersionAfter", "SelectVersion"):
        if len(parameters) == 1:
            return {parameters[0]: key}
        splitter = "." if selector_name != "UseAfter" else None
        return dict(zip(parameters, str(key).split(splitter)))
    if not isinstance(key, tuple):
        key = (key,)
    return dict(zip(parameters, [str(part) for part in key]))


def _exptime(path: dict) -> str:
    for pair in DATE_TIME_PAIRS:
        if all(name in path for name in pair):
            return " ".join(path[name] for name in pair)
    return MIN_DATE
