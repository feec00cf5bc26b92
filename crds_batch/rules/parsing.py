"""Safe reading of CRDS mapping text.

A mapping is Python-literal-like text with up to three assignments::

    header = {...}
    comment = "..."          # optional
    selector = Match({...})  # or a plain dict for .pmap/.imap

The text is parsed with :mod:`ast` and walked node by node: only the node
types a mapping can contain are turned into values, and nothing is ever
executed, so a mapping with code in it is refused before any of it runs.
"""
from __future__ import annotations

import ast
import hashlib
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import ChecksumError, MappingFormatError

#: Selector classes a mapping may call; anything else is refused.
SELECTOR_NAMES = frozenset(
    {"Match", "UseAfter", "VersionAfter", "SelectVersion", "ClosestTime", "GeometricallyNearest", "Bracket"}
)

SECTION_NAMES = ("header", "selector", "comment")

# crds's MappingVerifier (13.2.7, core/mapping_verifier.py) allows the UnaryOp operators USub and Not
# and no binary operator at all: arithmetic in a mapping is refused ("Unknown node type"), so a
# mapping cannot make us build huge values ('x' * 3000000000) or deep operator chains.
_UNARY_OPERATORS = {ast.USub: operator.neg, ast.Not: operator.not_}

#: Mapping texts larger than this are refused before parsing (the largest real rmap is 0.4 MB).
MAX_MAPPING_BYTES = 64 << 20
#: Nesting of values deeper than this is refused (real mappings nest a few levels; Python's own
#: parser, which crds uses, refuses brackets nested past 200).
MAX_NESTING = 300


@dataclass(frozen=True)
class SelectorCall:
    """A selector written in a mapping, e.g. ``Match({...})``, not yet interpreted.

    ``table`` keeps the first dict argument as ``(key, value)`` pairs in text
    order, duplicates included (a Python dict would silently drop them).
    Nested selectors in values are :class:`SelectorCall` too.
    """

    name: str
    table: tuple[tuple[Any, Any], ...]
    args: tuple[Any, ...] = ()
    lineno: int = 0

    def keys(self) -> list:
        return [key for key, _ in self.table]

    def values(self) -> list:
        return [value for _, value in self.table]


@dataclass(frozen=True)
class ParsedMapping:
    """The three sections of a mapping file, as plain values."""

    name: str
    header: dict
    selector: Any  # dict (pmap/imap) or SelectorCall (rmap)
    comment: str | None
    text: str


def mapping_checksum(text: str) -> str:
    """sha1 of ``text`` without the lines that contain ``sha1sum`` (CRDS's mapping checksum)."""
    kept = "".join(line for line in text.splitlines(True) if "sha1sum" not in line)
    return hashlib.sha1(kept.encode("utf-8")).hexdigest()


def check_checksum(parsed: ParsedMapping) -> None:
    """Raise :class:`ChecksumError` unless the header's sha1sum matches the text."""
    expected = parsed.header.get("sha1sum")
    if expected is None:
        raise ChecksumError(f"{parsed.name}: sha1sum is missing")
    actual = mapping_checksum(parsed.text)
    if actual != expected:
        raise ChecksumError(f"{parsed.name}: sha1sum mismatch (header {expected}, text {actual})")


def parse_mapping(text: str, name: str = "(noname)") -> ParsedMapping:
    """Parse mapping ``text`` into a :class:`ParsedMapping`; refuse anything but literals and selectors."""
    if len(text) > MAX_MAPPING_BYTES:
        raise MappingFormatError(f"{name}: {len(text)} characters, larger than any mapping "
                                 f"(limit {MAX_MAPPING_BYTES})")
    try:
        module = ast.parse(text, filename=name)
    except SyntaxError as exc:
        raise MappingFormatError(f"{name}: syntax error at line {exc.lineno}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise MappingFormatError(f"{name}: expressions nested too deeply to be a mapping") from None
    sections: dict[str, Any] = {}
    for statement in module.body:
        if not isinstance(statement, ast.Assign):
            _refuse(name, statement, "illegal statement")
        if len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name):
            _refuse(name, statement, "invalid 'header' or 'selector' definition")
        target = statement.targets[0].id
        if target not in SECTION_NAMES:
            _refuse(name, statement, f"only 'header', 'selector' and 'comment' may be defined, not {target!r}")
        if not isinstance(statement.value, (ast.Call, ast.Dict, ast.Constant)):
            _refuse(name, statement, f"{target!r} must be a selector call, a dict or a string")
        try:
            sections[target] = _LiteralReader(name).read(statement.value)
        except RecursionError:
            raise MappingFormatError(f"{name}: expressions nested too deeply to be a mapping") from None
    for required in ("header", "selector"):
        if required not in sections:
            raise MappingFormatError(f"{name}: no {required!r} section")
    header = sections["header"]
    if not isinstance(header, dict):
        raise MappingFormatError(f"{name}: 'header' must be a dict")
    selector = sections["selector"]
    if not isinstance(selector, (dict, SelectorCall)):
        raise MappingFormatError(f"{name}: 'selector' must be a dict or a selector call")
    comment = sections.get("comment")
    return ParsedMapping(name=name, header=header, selector=selector, comment=comment, text=text)


#: Parsed mappings by (name, text), shared by the process's readers (planning loads a context's mappings and its
#: diff parses the changed ones again) and seeded on Dask workers with the client's (batch.rules_bundle).
_PARSED: dict[tuple[str, str], ParsedMapping] = {}
#: Parses kept per process (a server loading many contexts forgets them all past this, then starts again).
PARSED_MAX = 8192


def parse_mapping_once(text: str, name: str = "(noname)") -> ParsedMapping:
    """:func:`parse_mapping`, remembered per (name, text) for the process (the result is shared, not copied)
    and on disk for the next commands (:mod:`.parse_cache`)."""
    key = (name, text)
    found = _PARSED.get(key)
    if found is None:
        from .parse_cache import cached_parse

        found = cached_parse(text, name)
        remember_parses([found])
    return found


def remembered_parses(files: Iterable[tuple[str, str]]) -> list[ParsedMapping]:
    """The parses this process remembers of ``files`` ((name, text) pairs); files not parsed yet are left out."""
    return [found for found in (_PARSED.get(key) for key in files) if found is not None]


def remember_parses(parsed: Iterable[ParsedMapping]) -> None:
    """Remember ``parsed`` (made by :func:`parse_mapping` of their ``text``, here or in another process)."""
    for mapping in parsed:
        if len(_PARSED) >= PARSED_MAX:
            _PARSED.clear()
        _PARSED[(mapping.name, mapping.text)] = mapping


def _refuse(name: str, node: ast.AST, why: str) -> None:
    raise MappingFormatError(f"{name}: {why} at line {getattr(node, 'lineno', '?')}")


class _LiteralReader:
    """Turns the AST of a mapping section into values, refusing any other node."""

    def __init__(self, name: str):
        self.name = name
        self.depth = 0

    def read(self, node: ast.AST) -> Any:
        method = getattr(self, "_read_" + type(node).__name__, None)
        if method is None:
            _refuse(self.name, node, f"illegal expression {type(node).__name__}")
        if self.depth >= MAX_NESTING:
            _refuse(self.name, node, f"values nested more than {MAX_NESTING} levels deep")
        self.depth += 1
        try:
            return method(node)
        finally:
            self.depth -= 1

    def read_key(self, node: ast.AST) -> Any:
        key = self.read(node)
        try:
            hash(key)
        except TypeError:
            _refuse(self.name, node, f"a {type(key).__name__} cannot be a key")
        return key

    def _read_Constant(self, node: ast.Constant) -> Any:
        if not isinstance(node.value, (str, int, float, bool, type(None))):
            _refuse(self.name, node, f"illegal constant {node.value!r}")
        return node.value

    def _read_Tuple(self, node: ast.Tuple) -> tuple:
        return tuple(self.read(elt) for elt in node.elts)

    def _read_List(self, node: ast.List) -> list:
        return [self.read(elt) for elt in node.elts]

    def _read_Dict(self, node: ast.Dict) -> dict:
        result = {}
        for key_node, value_node in zip(node.keys, node.values):
            if key_node is None:
                _refuse(self.name, node, "'**' in a dict")
            # A repeated key takes the later value, as the text would read in Python
            # (real HST rmaps repeat header keys).
            result[self.read_key(key_node)] = self.read(value_node)
        return result

    def _read_UnaryOp(self, node: ast.UnaryOp) -> Any:
        op = _UNARY_OPERATORS.get(type(node.op))
        operand = self.read(node.operand)
        if op is None or (op is operator.neg and not isinstance(operand, (int, float, bool))):
            _refuse(self.name, node, "illegal unary expression")
        return op(operand)

    def _read_Call(self, node: ast.Call) -> SelectorCall:
        if not isinstance(node.func, ast.Name) or node.func.id not in SELECTOR_NAMES:
            what = node.func.id if isinstance(node.func, ast.Name) else type(node.func).__name__
            _refuse(self.name, node, f"selector {what!r} is not one of {sorted(SELECTOR_NAMES)}")
        if node.keywords:
            _refuse(self.name, node, "keyword arguments to a selector")
        if not node.args or not isinstance(node.args[0], ast.Dict):
            _refuse(self.name, node, f"{node.func.id} needs a dict of choices")
        table_node = node.args[0]
        table = []
        for key_node, value_node in zip(table_node.keys, table_node.values):
            if key_node is None:
                _refuse(self.name, table_node, "'**' in a selector")
            table.append((self.read_key(key_node), self.read(value_node)))
        rest = tuple(self.read(arg) for arg in node.args[1:])
        return SelectorCall(node.func.id, tuple(table), rest, node.lineno)


def section_items(parsed: ParsedMapping, section: str) -> list[tuple[Any, Any]]:
    """The ``(key, value)`` items of dict section ``section`` (``header``...) as written, repeats included.

    A Python dict keeps one value per key; duplicate checks need them all.
    """
    module = ast.parse(parsed.text, filename=parsed.name)
    for statement in module.body:
        if (isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name)
                and statement.targets[0].id == section and isinstance(statement.value, ast.Dict)):
            reader = _LiteralReader(parsed.name)
            return [(reader.read_key(key), reader.read(value))
                    for key, value in zip(statement.value.keys, statement.value.values)]
    return []
