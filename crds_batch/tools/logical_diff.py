"""``crds diff``'s logical differences of two mappings, as it prints them.

Each difference is crds's *difference tuple*: the ``(old, new)`` mapping name
pairs it lies under (the top pair as paths, nested ones by the names their
parents give them), then at a pmap or imap the selection key ``('wfc3',)``, or
in an rmap the selector keys leading to the change -- the Match tuple, the
UseAfter ``('2019-05-13', '05:05:08')`` date -- and last the message
(``added terminal 'x.fits'``). Beside the values, the names of the parameters
they stand for (``PipelineContext``, ``('INSTRUME',)``, the rmap's parkey levels,
``DIFFERENCE``), which ``--print-affected-modes`` reads.

The rules (which changes make a message, their texts, the sort order: longer
tuples first, then by value) are crds 13.2.7's ``Mapping.difference`` and
``Selector.difference``, re-expressed over our parsed mappings.
"""
from __future__ import annotations

import os
from collections import Counter, defaultdict
from dataclasses import dataclass

from ..cache import directories_of
from ..rules.parsing import ParsedMapping, SelectorCall
from .diff import BORING_WORDS, _choice_repr, check_comparable
from .mapping_tree import is_special, load_parsed
from .matches import match_item

#: crds's diff_name of a mapping by its header's ``mapping`` kind.
DIFF_NAMES = {"PIPELINE": "PipelineContext", "INSTRUMENT": "InstrumentContext", "REFERENCE": "ReferenceMapping"}

#: Parameters --print-affected-modes leaves out (crds's DEFAULT_EXCLUDED_PARAMETERS).
EXCLUDED_MODE_PARAMETERS = frozenset({
    "DATE-OBS", "TIME-OBS", "META.OBSERVATION.DATE", "META.OBSERVATION.TIME", "META_OBSERVATION_DATE",
    "META_OBSERVATION_TIME", "META.EXPOSURE.START_TIME", "META_EXPOSURE_START_TIME", "DIFFERENCE", "INSTRUME",
    "REFTYPE"})


@dataclass(frozen=True)
class DiffTuple:
    """One difference: crds's tuple of values, the parameter name of each, and the rmap it concerns."""

    parts: tuple
    names: tuple
    instrument: str | None = None
    filekind: str | None = None

    @property
    def message(self) -> str:
        return self.parts[-1]

    @property
    def boring(self) -> bool:
        return any(word in self.message for word in BORING_WORDS)

    def sort_key(self):
        return (-len(self.parts), _Comparable(self.parts))

    def unquoted(self) -> tuple:
        """The tuple as crds prints it: quotes taken out of the message unless it is a header change."""
        if "header" in self.message:
            return self.parts
        return self.parts[:-1] + (self.message.replace("'", ""),)

    def flat(self) -> list[tuple[str, str]]:
        """(parameter, value) pairs with the selector key tuples spread out (crds's DiffTuple.flat)."""
        pairs = []
        for name, value in zip(self.names, self.parts):
            if isinstance(name, str):
                pairs.append((name, value))
            else:
                pairs.extend(zip(name, value))
        return pairs


class _Comparable:
    """Orders difference tuples as Python orders tuples; where crds's -U paths put a name where another
    difference has a key tuple, a string sorts before a tuple (Python itself would refuse to compare)."""

    def __init__(self, value):
        self.value = value

    def __lt__(self, other) -> bool:
        try:
            return self.value < other.value
        except TypeError:
            return _loose(self.value) < _loose(other.value)

    def __eq__(self, other) -> bool:
        return self.value == other.value


def _loose(value):
    if isinstance(value, tuple):
        return (1, tuple(_loose(item) for item in value))
    return (0, str(value))


def logical_differences(old: str, new: str, include_header_diffs: bool = False,
                        recurse_added_deleted: bool = False) -> list[DiffTuple]:
    """Sorted difference tuples from mapping ``old`` to ``new`` (paths or cache names) as crds finds them."""
    near = directories_of(old, new)
    old_parsed, new_parsed = load_parsed(old), load_parsed(new)
    check_comparable(old, old_parsed, new, new_parsed)
    walker = _Walker(include_header_diffs, recurse_added_deleted, near)
    diffs = walker.mapping(old_parsed, new_parsed, old, new, (), (), None)
    return sorted(diffs, key=DiffTuple.sort_key)


def remove_boring(diffs: list[DiffTuple]) -> list[DiffTuple]:
    return [diff for diff in diffs if not diff.boring]


def _kind(parsed: ParsedMapping) -> str:
    return str(parsed.header.get("mapping", "")).upper()


def _parameters(parkey, level: int) -> tuple:
    return tuple(parkey[level]) if level < len(parkey) else ()


def _diff_key(selector_name: str, parameters: tuple, key) -> tuple:
    """crds's ``_diff_key``: the values of the key's match item, as strings."""
    return tuple(str(value) for _name, value in match_item(selector_name, parameters, key))


class _Walker:
    def __init__(self, headers: bool, recurse: bool, near: tuple[str, ...]):
        self.headers = headers
        self.recurse = recurse
        self.near = near

    # -- mappings -------------------------------------------------------------------------------

    def mapping(self, old: ParsedMapping, new: ParsedMapping, old_name: str, new_name: str, path: tuple,
                pars: tuple, instrument: str | None) -> list[DiffTuple]:
        diff_name = DIFF_NAMES.get(_kind(old), "ReferenceMapping")
        pair = (old_name, new_name)
        if diff_name == "InstrumentContext":
            instrument = str(old.header.get("instrument", "")).lower()
        diffs = self._header(old, new, path + (pair,), pars + (diff_name,), instrument) if self.headers else []
        if isinstance(old.selector, SelectorCall) or isinstance(new.selector, SelectorCall):
            instrument = str(old.header.get("instrument", "")).lower()
            filekind = str(old.header.get("filekind", "")).lower()
            found = self.selector(old.selector, new.selector, path + (pair,), pars + (diff_name,),
                                  old.header.get("parkey", ()), new.header.get("parkey", ()), 0, True)
            return [DiffTuple(d.parts, d.names, instrument, filekind) for d in diffs + found]
        parkey = tuple(old.header.get("parkey", ()))
        names = pars + (diff_name, parkey, "DIFFERENCE")
        old_sel = {str(k).lower(): v for k, v in old.selector.items()}
        new_sel = {str(k).lower(): v for k, v in new.selector.items()}
        for key, old_value in old_sel.items():
            if key not in new_sel:
                diffs.append(DiffTuple(path + (pair, (key,), f"deleted {old_value!r}"), names, instrument))
                if self.recurse and not is_special(old_value):
                    diffs += self.files(old_value, "deleted", path + ((old_name,),), pars + (diff_name,), instrument)
                continue
            new_value = new_sel[key]
            if old_value == new_value:
                continue
            normal = not is_special(old_value) and not is_special(new_value)
            old_child = load_parsed(old_value, self.near) if not is_special(old_value) else None
            new_child = load_parsed(new_value, self.near) if not is_special(new_value) else None
            old_sum = old_value if old_child is None else old_child.header.get("sha1sum")
            new_sum = new_value if new_child is None else new_child.header.get("sha1sum")
            diff = None
            if old_sum != new_sum:
                diff = DiffTuple(path + (pair, (key,), f"replaced {old_value!r} with {new_value!r}"), names,
                                 instrument)
            if normal:
                nested = self.mapping(old_child, new_child, old_value, new_value, path + (pair,), pars + (diff_name,),
                                      instrument)
            elif self.recurse and (old_child or new_child):  # a mapping replaced by N/A or OMIT, or back
                nested = self.files(old_value if old_child else new_value, "deleted" if old_child else "added",
                                    path + ((old_name,),), pars + (diff_name,), instrument)
            else:
                nested = []
            if os.path.basename(old_name) == os.path.basename(new_name) and not nested:
                diff = None
            diffs += ([diff] if diff else []) + nested
        for key, new_value in new_sel.items():
            if key not in old_sel:
                diffs.append(DiffTuple(path + (pair, (key,), f"added {new_value!r}"), names, instrument))
                if self.recurse and not is_special(new_value):
                    diffs += self.files(new_value, "added", path + ((old_name,),), pars + (diff_name,), instrument)
        return diffs

    def files(self, name: str, change: str, path: tuple, pars: tuple, instrument) -> list[DiffTuple]:
        """-U: every file under an added or deleted mapping, as crds's ``diff_files`` lists them."""
        parsed = load_parsed(name, self.near)
        diff_name = DIFF_NAMES.get(_kind(parsed), "ReferenceMapping")
        if isinstance(parsed.selector, SelectorCall):
            header = parsed.header
            found = self.flat(parsed.selector, f"{change} terminal", path + (name,), pars + (diff_name,),
                              header.get("parkey", ()), 0)
            return [DiffTuple(d.parts, d.names, str(header.get("instrument", "")).lower(),
                              str(header.get("filekind", "")).lower()) for d in found]
        if diff_name == "InstrumentContext":
            instrument = str(parsed.header.get("instrument", "")).lower()
        parkey = tuple(parsed.header.get("parkey", ()))
        diffs = []
        for key, value in parsed.selector.items():
            key = str(key).lower()
            if is_special(value):
                diffs.append(DiffTuple(path + ((name,), (key,), f"{change} {value!r}"),
                                       pars + (diff_name, parkey, "DIFFERENCE"), instrument))
            else:
                diffs += self.files(value, change, path + (key,), pars + (diff_name,), instrument)
        return diffs

    @staticmethod
    def _header(old: ParsedMapping, new: ParsedMapping, path: tuple, pars: tuple, instrument) -> list[DiffTuple]:
        names = pars + ("DIFFERENCE",)
        old_h = {key: _header_value(value) for key, value in old.header.items()}
        new_h = {key: _header_value(value) for key, value in new.header.items()}
        messages = []
        for key, value in old_h.items():
            if key not in new_h:
                messages.append(f"deleted header {key!r} = {value!r}")
            elif value != new_h[key]:
                messages.append(f"header replaced {key!r} = {value!r} with {new_h[key]!r}")
        messages += [f"header added {key!r} = {value!r}" for key, value in new_h.items() if key not in old_h]
        return sorted((DiffTuple(path + (message,), names, instrument) for message in messages),
                      key=DiffTuple.sort_key)

    # -- selectors ------------------------------------------------------------------------------

    def selector(self, old, new, path: tuple, pars: tuple, old_parkey, new_parkey, level: int,
                 top: bool) -> list[DiffTuple]:
        if not isinstance(old, SelectorCall) or not isinstance(new, SelectorCall) or old.name != new.name:
            shown = "N/A" if new == "N/A" else _class_name(new)
            return [DiffTuple(path + (f"different classes {_class_name(old)} : {shown}",), pars + ("DIFFERENCE",))]
        parameters = _parameters(old_parkey, level)
        new_parameters = _parameters(new_parkey, level)
        if parameters != new_parameters:
            return [DiffTuple(path + (f"different parameter lists  {parameters!r} : {new_parameters!r}",),
                              pars + ("DIFFERENCE",))]

        def message(key, text: str) -> DiffTuple:
            return _message(old.name, parameters, key, text, path, pars)

        diffs: list[DiffTuple] = []
        new_table = dict(new.table)
        old_keys = {key for key, _ in old.table}
        for key, choice in dict(old.table).items():
            here = path + (_diff_key(old.name, parameters, key),)
            if key not in new_table:
                if isinstance(choice, SelectorCall):
                    diffs += self.flat(choice, f"deleted {old.name} rule for", here, pars + (parameters,),
                                       old_parkey, level + 1)
                else:
                    change = f"deleted {old.name} rule for" if top else "deleted terminal"
                    diffs.append(message(key, f"{change} {choice!r}"))
            elif isinstance(choice, SelectorCall):
                diffs += self.selector(choice, new_table[key], here, pars + (parameters,), old_parkey, new_parkey,
                                       level + 1, False)
            elif choice != new_table[key]:
                replacement = _choice_repr(new_table[key], tuple(new_parkey), level + 1)
                diffs.append(message(key, f"replaced {choice!r} with {replacement}"))
        for key, choice in dict(new.table).items():
            if key in old_keys:
                continue
            here = path + (_diff_key(new.name, parameters, key),)
            if isinstance(choice, SelectorCall):
                diffs += self.flat(choice, f"added {new.name} rule for", here, pars + (parameters,), new_parkey,
                                   level + 1)
            else:
                change = f"added {new.name} rule for" if top else "added terminal"
                diffs.append(message(key, f"{change} {choice!r}"))
        return diffs

    def flat(self, selector: SelectorCall, change: str, path: tuple, pars: tuple, parkey, level: int):
        parameters = _parameters(parkey, level)
        diffs = []
        for key, choice in dict(selector.table).items():
            key_values = _diff_key(selector.name, parameters, key)
            if isinstance(choice, SelectorCall):
                diffs += self.flat(choice, change, path + (key_values,), pars + (parameters,), parkey, level + 1)
            else:
                diffs.append(_message(selector.name, parameters, key, f"{change} {choice!r}", path, pars))
        return diffs


def _message(selector_name: str, parameters: tuple, key, text: str, path: tuple, pars: tuple) -> DiffTuple:
    """crds's ``msg``: the path, the key's values (left out for an empty key, as crds's ``if key``), the text."""
    if key:
        return DiffTuple(path + (_diff_key(selector_name, parameters, key), text), pars + (parameters, "DIFFERENCE"))
    return DiffTuple(path + (text,), pars + ("DIFFERENCE",))


def _class_name(value) -> str:
    return value.name if isinstance(value, SelectorCall) else type(value).__name__


def _header_value(value):
    """Header strings compare lower-cased unless parenthesized, as crds reads headers."""
    if isinstance(value, str) and not (value.startswith("(") and value.endswith(")")):
        return value.lower()
    return value


# -- what the differences affect ----------------------------------------------------------------

def affected_types(diffs: list[DiffTuple]) -> dict[str, set[str]]:
    """``{instrument: {filekind}}`` the (non-boring) differences touch, by crds's get_affected rules."""
    affected: dict[str, set[str]] = defaultdict(set)
    for diff in remove_boring(diffs):
        if diff.filekind:
            affected[diff.instrument or ""].add(diff.filekind)
        elif diff.message.startswith(("added", "deleted")) and diff.message.endswith(".rmap'"):
            rmap = load_parsed(diff.message.split()[-1].strip("'"))
            affected[str(rmap.header.get("instrument", "")).lower()].add(
                str(rmap.header.get("filekind", "")).lower())
    return {instrument: kinds for instrument, kinds in affected.items() if instrument.strip()}


def affected_modes(diffs: list[DiffTuple]) -> list[str]:
    """crds diff --print-affected-modes lines: INSTRUMENT, REFTYPE and match parameters of each change, counted."""
    counts: Counter = Counter()
    for diff in diffs:
        mode = _affected_mode(diff)
        if mode is not None:
            counts[mode] += 1
    return [" ".join(f"{name}={value!r}" for name, value in mode + (("DIFF_COUNT", str(counts[mode])),))
            for mode in sorted(counts)]


def _affected_mode(diff: DiffTuple):
    instrument = filekind = None
    affected = []
    for name, value in diff.flat():
        if name == "PipelineContext":
            continue
        if name == "InstrumentContext":
            instrument = diff.instrument
        elif name == "ReferenceMapping":
            instrument, filekind = diff.instrument, diff.filekind
        elif name not in EXCLUDED_MODE_PARAMETERS:
            affected.append((name, value))
        elif name == "DIFFERENCE" and "header" in value:
            if not any("REPLACED " + repr(word.upper()) in value.upper() for word in BORING_WORDS):
                affected.append((name, value))
    if not affected:
        return None
    if filekind:
        affected.insert(0, ("REFTYPE", filekind.upper()))
    if instrument:
        affected.insert(0, ("INSTRUMENT", instrument.upper()))
    return tuple(affected)


# -- rendering ------------------------------------------------------------------------------------

def render(diff: DiffTuple, lowest_mapping_only: bool = False, remove_paths: bool = False,
           squash: bool = False) -> str:
    """One difference as crds diff prints it (its ``-L``, ``-E`` and ``-Q`` forms too)."""
    parts = diff.unquoted()
    if lowest_mapping_only:
        lowest = [part[0] for part in parts if _is_pair(part)][-1:]
        parts = tuple(part for part in parts if not _is_pair(part) or part[0] in lowest)
    if remove_paths:
        parts = tuple(tuple(os.path.basename(name) for name in part) if _is_pair(part) else part for part in parts)
    if squash:
        return " -- ".join(" ".join(part) if isinstance(part, tuple) else part for part in parts)
    return repr(parts)


def _is_pair(part) -> bool:
    return isinstance(part, tuple) and len(part) == 2 and isinstance(part[0], str) and part[0].endswith("map")


def check_lines(diffs: list[DiffTuple], newer) -> list[str]:
    """crds diff -K warnings (rule changes, deletions, reversions...), ``newer(new, old)`` deciding reversions."""
    lines = []
    for action, diff in sorted(((_action(d.message), d) for d in diffs), key=lambda pair: (pair[0], pair[1].sort_key())):
        where = f"{_tail(diff.parts)[:-1]!r} {diff.message}"
        if "header" in action or action == "add":
            continue
        if "rule" in action:
            lines.append(f"Rule change at {where}")
        elif action == "replace":
            old_new = _replaced(diff.message)
            if old_new is None:
                lines.append(f"Unusual replacement {where}")
            elif not newer(old_new[1], old_new[0]):
                lines.append(f"Reversion at {where}")
        elif action == "delete":
            lines.append(f"Deletion at {where}")
        elif action == "parkey_difference":
            lines.append(f"Different lookup parameters {where}")
        elif action == "class_difference":
            lines.append(f"Different classes at {where}")
    return lines


def _action(message: str) -> str:
    from .diff import Difference

    return Difference((), message).action


def _replaced(message: str):
    import re

    match = re.search(r"replaced '(.+)' with '(.+)'", message)
    return (match.group(1), match.group(2)) if match else None


def _tail(parts: tuple) -> tuple:
    tail = []
    for part in reversed(parts):
        if _is_pair(part):
            tail.append(part[1])
            break
        tail.append(part)
    return tuple(reversed(tail))
