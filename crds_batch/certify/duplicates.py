"""Duplicate entries in a mapping's text: keys a Python dict would silently drop.

crds certify (and crds checksum, before rewriting) reads the text keeping every
item and reports a key seen twice in the header or in any selector as
``Duplicate entry at <where> <key> = <this> vs. <first>``, where ``<where>``
is ``header``, ``selector``, or the path of nested selectors
(``selector Match(<key>)``) and a nested selector shows as its class name.
"""
from __future__ import annotations

from ..rules.parsing import ParsedMapping, SelectorCall, section_items


def duplicate_messages(parsed: ParsedMapping) -> list[str]:
    """crds's duplicate-entry error texts for ``parsed``, in the order crds reports them."""
    messages = _duplicates(section_items(parsed, "header"), ["header"])
    selector = parsed.selector
    if isinstance(selector, SelectorCall):
        messages += _selector_duplicates(selector, ["selector"])
    else:
        messages += _duplicates(section_items(parsed, "selector"), ["selector"])
    return messages


def _selector_duplicates(selector: SelectorCall, parents: list[str]) -> list[str]:
    messages = _duplicates(list(selector.table), parents)
    for key, choice in selector.table:
        if isinstance(choice, SelectorCall):
            messages += _selector_duplicates(choice, parents + [f"{selector.name}({key!r})"])
    return messages


def _duplicates(items: list[tuple], parents: list[str]) -> list[str]:
    seen: dict = {}
    messages = []
    for key, value in items:
        if key in seen:
            messages.append(f"Duplicate entry at {' '.join(parents + [repr(key)])} = {_show(value)} vs. "
                            f"{_show(seen[key])}")
        else:
            seen[key] = value
    return messages


def _show(value) -> str:
    return value.name if isinstance(value, SelectorCall) else repr(value)
