"""A mapping written out as ``crds checksum`` rewrites it.

crds's checksum update does not patch the ``sha1sum`` line: it re-serializes
the mapping (header keys sorted, one per line, four-space indents; selector
choices sorted by the text of their keys, nested selectors indented; comments starting with
``#`` dropped) and then puts the sha1 of that text (sha1sum lines left out)
in the header. This module writes the same text from a
:class:`~crds_batch.rules.parsing.ParsedMapping`, so the two tools produce
byte-identical files.
"""
from __future__ import annotations

from ..rules.parsing import ParsedMapping, SelectorCall, mapping_checksum

_INDENT = " " * 4


def format_mapping(parsed: ParsedMapping, header: dict | None = None) -> str:
    """The text of ``parsed`` in crds's layout, with ``header`` (default: its own)."""
    header = parsed.header if header is None else header
    selector = parsed.selector
    body = _format_dict(selector) if isinstance(selector, dict) else _format_selector(selector)
    if parsed.comment:
        return f'header = {_format_dict(header)}\n\ncomment = """{parsed.comment}"""\n\nselector = {body}\n'
    return f"header = {_format_dict(header)}\n\nselector = {body}\n"


def with_checksum(parsed: ParsedMapping) -> str:
    """The re-serialized text with its ``sha1sum`` header set to the checksum of that text."""
    header = dict(parsed.header)
    header["sha1sum"] = mapping_checksum(format_mapping(parsed, header))
    return format_mapping(parsed, header)


def _format_dict(values: dict, indent: int = 0) -> str:
    prefix = indent * _INDENT
    lines = ["{"]
    for key, value in sorted(values.items()):
        shown = _format_dict(value, indent + 1) if isinstance(value, dict) else repr(value)
        lines.append(f"{prefix}{_INDENT}{key!r} : {shown},")
    lines.append(prefix + "}")
    return "\n".join(lines)


def _format_selector(selector: SelectorCall, indent: int = 0) -> str:
    lines = [selector.name + "({"]
    choices = dict(selector.table)  # a repeated key keeps its last choice, as Python reads the text
    for key, choice in sorted(choices.items(), key=lambda item: _sort_key(item[0])):
        shown = _format_selector(choice, indent + 1) if isinstance(choice, SelectorCall) else repr(choice)
        lines.append(f"{(indent + 1) * _INDENT}{key!r} : {shown},")
    lines.append(indent * _INDENT + "})")
    return "\n".join(lines)


def _sort_key(key) -> tuple:
    """crds orders selector choices by the ``str`` of each key field."""
    return tuple(str(part) for part in key) if isinstance(key, tuple) else (str(key),)
