"""Differences between a mapping and its peer in the comparison context, with where they are.

``crds certify`` compares a mapping with the mapping of the same kind,
instrument and type in the comparison context (``get_equivalent_mapping``) and
turns each logical difference into a message located by the new mapping's
file and the selector keys leading to it: ``Rule change at ('<file>',
('HRC', 'A'), ('2002-03-01', '00:00:00')) added Match rule for 'x.fits'``.
Header differences are not compared (crds leaves them out of certify), and
context selections that differ are followed into the nested mappings.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..rules.parsing import ParsedMapping, SelectorCall
from ..tools.diff import Difference, _choice_repr, _match_item  # crds's diff texts, kept in one place
from ..tools.mapping_tree import is_special, load_parsed


@dataclass(frozen=True)
class LocatedDifference:
    """One difference: the file and keys locating it (crds's diff "tail") and its message."""

    where: tuple
    message: str

    @property
    def action(self) -> str:
        return Difference((), self.message).action


def mapping_differences(old: ParsedMapping, new: ParsedMapping, new_path: str,
                        near: tuple[str, ...] = ()) -> list[LocatedDifference]:
    """Differences from ``old`` (the comparison context's peer) to ``new`` (shown as ``new_path``)."""
    if isinstance(old.selector, SelectorCall) or isinstance(new.selector, SelectorCall):
        parkey = tuple(tuple(level) for level in new.header.get("parkey", ()))
        old_parkey = tuple(tuple(level) for level in old.header.get("parkey", ()))
        return _selector_diffs(old.selector, new.selector, old_parkey, parkey, 0, (new_path,), top=True)
    diffs = []
    old_sel, new_sel = old.selector, new.selector
    for key, old_value in old_sel.items():
        where = (new_path, (_context_key(key),))
        if key not in new_sel:
            diffs.append(LocatedDifference(where, f"deleted {old_value!r}"))
            continue
        new_value = new_sel[key]
        if old_value == new_value:
            continue
        normal = not is_special(old_value) and not is_special(new_value)
        old_child = load_parsed(old_value) if normal else None
        new_child_path = _locate(new_value, near) if normal else None
        new_child = load_parsed(new_child_path) if normal else None
        if not normal or old_child.header.get("sha1sum") != new_child.header.get("sha1sum"):
            diffs.append(LocatedDifference(where, f"replaced {old_value!r} with {new_value!r}"))
        if normal:  # crds shows a nested mapping by the name its parent gives it
            diffs += mapping_differences(old_child, new_child, new_value, near)
    for key, new_value in new_sel.items():
        if key not in old_sel:
            diffs.append(LocatedDifference((new_path, (_context_key(key),)), f"added {new_value!r}"))
    return diffs


def _context_key(key) -> str:
    """crds keys a context's selections by lower-case instrument or type."""
    return str(key).lower()


def _locate(name: str, near: tuple[str, ...]) -> str:
    from ..cache import locate_near

    return locate_near(name, near)


def _parameters(parkey: tuple, level: int) -> tuple:
    return tuple(parkey[level]) if level < len(parkey) else ()


def _key_path(selector: SelectorCall, parkey: tuple, level: int, key) -> tuple:
    """crds's ``_diff_key``: the key's values as strings, one per parameter of the level."""
    return tuple(str(value) for value in _match_item(selector.name, _parameters(parkey, level), key).values())


def _selector_diffs(old, new, old_parkey: tuple, parkey: tuple, level: int, where: tuple,
                    top: bool) -> list[LocatedDifference]:
    if not isinstance(old, SelectorCall) or not isinstance(new, SelectorCall) or old.name != new.name:
        shown_new = "N/A" if new == "N/A" else _class_name(new)
        return [LocatedDifference(where, f"different classes {_class_name(old)} : {shown_new}")]
    old_parameters, new_parameters = _parameters(old_parkey, level), _parameters(parkey, level)
    if old_parameters != new_parameters:
        return [LocatedDifference(where, f"different parameter lists  {old_parameters!r} : {new_parameters!r}")]
    diffs: list[LocatedDifference] = []
    new_table = dict(new.table)
    old_keys = {key for key, _ in old.table}
    for key, choice in dict(old.table).items():
        here = where + (_key_path(old, parkey, level, key),)
        if key not in new_table:
            if isinstance(choice, SelectorCall):
                diffs += _flat(choice, f"deleted {old.name} rule for", parkey, level + 1, here)
            else:
                change = f"deleted {old.name} rule for" if top else "deleted terminal"
                diffs.append(LocatedDifference(here, f"{change} {choice!r}"))
        elif isinstance(choice, SelectorCall):
            diffs += _selector_diffs(choice, new_table[key], old_parkey, parkey, level + 1, here, top=False)
        elif choice != new_table[key]:
            diffs.append(LocatedDifference(here, f"replaced {choice!r} with "
                                                 f"{_choice_repr(new_table[key], parkey, level + 1)}"))
    for key, choice in new_table.items():
        if key in old_keys:
            continue
        here = where + (_key_path(new, parkey, level, key),)
        if isinstance(choice, SelectorCall):
            diffs += _flat(choice, f"added {new.name} rule for", parkey, level + 1, here)
        else:
            change = f"added {new.name} rule for" if top else "added terminal"
            diffs.append(LocatedDifference(here, f"{change} {choice!r}"))
    return diffs


def _flat(selector: SelectorCall, change: str, parkey: tuple, level: int, where: tuple) -> list[LocatedDifference]:
    diffs = []
    for key, choice in dict(selector.table).items():
        here = where + (_key_path(selector, parkey, level, key),)
        if isinstance(choice, SelectorCall):
            diffs += _flat(choice, change, parkey, level + 1, here)
        else:
            diffs.append(LocatedDifference(here, f"{change} {choice!r}"))
    return diffs


def _class_name(value) -> str:
    return value.name if isinstance(value, SelectorCall) else type(value).__name__
