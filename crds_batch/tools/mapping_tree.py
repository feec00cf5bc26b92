"""Parsed mappings of a context, loaded once per process, checksum not required.

The logical diff and the small tools read mappings as parsed values (what the
text says), not as lookup objects; this module gives them the context tree.
"""
from __future__ import annotations

import os
from functools import lru_cache

from ..cache import locate_near
from ..errors import CacheError
from ..rules.parsing import ParsedMapping, SelectorCall, parse_mapping_once

SPECIAL_VALUES = frozenset({"N/A", "OMIT"})


def load_parsed(name: str, near: tuple[str, ...] = ()) -> ParsedMapping:
    """Parse mapping ``name``: a path as given; a plain name from the ``near`` directories if there, else the cache."""
    return _load_parsed(locate_near(name, near))


@lru_cache(maxsize=8192)
def _load_parsed(path: str) -> ParsedMapping:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise CacheError(f"Cannot read mapping {os.path.basename(path)}: {exc.strerror} ({path})") from None
    return parse_mapping_once(text, os.path.basename(path))


def is_special(value) -> bool:
    return isinstance(value, str) and value.upper() in SPECIAL_VALUES


def terminal_files(selector) -> set[str]:
    """Every reference file named at the leaves of an rmap selector."""
    files: set[str] = set()
    stack = [selector]
    while stack:
        node = stack.pop()
        if isinstance(node, SelectorCall):
            stack.extend(node.values())
        elif isinstance(node, (tuple, list)):
            stack.extend(node)
        elif isinstance(node, str) and not is_special(node):
            files.add(node)
    return files


def reference_names(mapping_name: str, near: tuple[str, ...] = ()) -> set[str]:
    """All references in the closure of a pmap, imap or rmap."""
    parsed = load_parsed(mapping_name, near)
    if isinstance(parsed.selector, SelectorCall):
        return terminal_files(parsed.selector)
    names: set[str] = set()
    for value in parsed.selector.values():
        if not is_special(value):
            names |= reference_names(value, near)
    return names


def mapping_names(mapping_name: str) -> set[str]:
    """The mapping and every mapping below it, by name (children located in the cache)."""
    names: set[str] = set()
    pending = [mapping_name]
    while pending:
        name = pending.pop()
        parsed = load_parsed(name)
        basename = os.path.basename(name)
        if basename in names:
            continue
        names.add(basename)
        if not isinstance(parsed.selector, SelectorCall):
            pending.extend(value for value in parsed.selector.values()
                           if isinstance(value, str) and not is_special(value))
    return names
