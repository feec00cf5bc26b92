"""Field matchers of Match selectors: one per field of every rmap key.

``match(value)`` returns 1 (match), 0 (don't care) or -1 (no match), exactly
as crds scores a conditioned dataset value against one conditioned key field.
"""
from __future__ import annotations

import fnmatch
import re
from typing import Callable

from ..conditioning import glob_list

_INEQUALITY_RE = re.compile(r"^([><]=?)\s*([-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?)")
_INEQUALITIES: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
}


class Matcher:
    """Plain equality; a dataset ``*`` matches anything, a dataset ``N/A`` is don't-care."""

    __slots__ = ("key",)

    def __init__(self, key: str):
        self.key = key

    def match(self, value: str) -> int:
        if value == self.key or value == "*":
            return 1
        if value == "N/A":
            return 0
        return -1

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r})"


class RegexMatcher(Matcher):
    """``(regex)`` keys: ``re.match`` (anchored at the start only)."""

    __slots__ = ("_regex",)

    def __init__(self, key: str):
        super().__init__(key)
        self._regex = re.compile(key)

    def match(self, value: str) -> int:
        result = Matcher.match(self, value)
        if result != -1:
            return result
        return 1 if self._regex.match(value) else -1


class GlobMatcher(RegexMatcher):
    """``A|B*`` keys: an or of fully anchored fnmatch globs."""

    __slots__ = ("exact_parts",)

    def __init__(self, key: str):
        parts = glob_list(key)
        super().__init__("^(" + "|".join(fnmatch.translate(part) for part in parts) + ")$")
        #: When no part has a wildcard (``*``, ``?``, ``[``): the values the globs match, which are the
        #: parts themselves (fnmatch's pattern of such a part is the escaped text, anchored at both ends).
        self.exact_parts: tuple[str, ...] | None = (
            tuple(parts) if parts and not any(c in part for part in parts for c in "*?[") else None)


class InequalityMatcher(Matcher):
    """``>5``, ``<=7.2``...: float comparison; a non-numeric value does not match."""

    __slots__ = ("_compare", "_bound")

    def __init__(self, key: str):
        super().__init__(key)
        parts = _INEQUALITY_RE.match(key)
        if parts is None:
            raise ValueError(f"invalid inequality {key!r}")
        self._compare = _INEQUALITIES[parts.group(1)]
        self._bound = float(parts.group(2))

    def match(self, value: str) -> int:
        result = Matcher.match(self, value)
        if result != -1:
            return result
        try:
            number = float(value)
        except Exception:
            return -1
        return 1 if self._compare(number, self._bound) else -1


class BinaryMatcher(Matcher):
    """``#a AND b#`` / ``#a OR b#`` (and BETWEEN): both/either sub-matchers must fully match."""

    __slots__ = ("_and", "_left", "_right")

    def __init__(self, key: str, operator: str):
        super().__init__(key)
        self._and = operator == "AND"
        body = key.strip()
        if body.startswith("#"):
            body = body[1:-1]
        parts = [part.strip() for part in body.split(operator)]
        self._left = make_matcher(parts[0])
        self._right = make_matcher(parts[1])

    def match(self, value: str) -> int:
        value = value.upper()
        result = Matcher.match(self, value)
        if result != -1:
            return result
        left = self._left.match(value) == 1
        right = self._right.match(value) == 1
        return 1 if (left and right if self._and else left or right) else -1


class NaMatcher(Matcher):
    """An rmap ``N/A`` field: always don't-care."""

    __slots__ = ()

    def match(self, value: str) -> int:
        return 0


class NotMatcher(Matcher):
    """``NOT x``: the negation of x's matcher (don't-care stays don't-care)."""

    __slots__ = ("_inner",)

    def __init__(self, key: str):
        super().__init__(key)
        self._inner = make_matcher(key[len("NOT "):].strip())

    def match(self, value: str) -> int:
        return -self._inner.match(value)


#: Matchers by key text: they never change once made, and rmaps repeat the same key fields many times.
_MATCHERS: dict[str, Matcher] = {}


def make_matcher(key: str) -> Matcher:
    """The matcher for one conditioned key field, by crds's precedence of key forms (shared per key text)."""
    try:
        return _MATCHERS[key]
    except KeyError:
        pass
    except TypeError:  # not text: left to _new_matcher's own error
        return _new_matcher(key)
    matcher = _MATCHERS[key] = _new_matcher(key)
    return matcher


def _new_matcher(key: str) -> Matcher:
    if key.startswith("(") and key.endswith(")"):
        return RegexMatcher(key[1:-1])
    if key.startswith("{") and key.endswith("}"):
        return Matcher(key[1:-1])
    if key.startswith("#") and key.endswith("#"):
        key = key.upper()
        if " AND " in key:
            return BinaryMatcher(key, "AND")
        if " OR " in key:
            return BinaryMatcher(key, "OR")
        return make_matcher(key[1:-1])
    if key.upper().startswith("BETWEEN"):
        parts = key.split()
        if len(parts) != 3:
            raise ValueError(f"Invalid between relation {key!r}")
        if not float(parts[1]) <= float(parts[2]):
            raise ValueError(f"Invalid between relation {key!r} should be 'between lower_bound upper_bound'")
        return BinaryMatcher(">=" + parts[1] + " AND <" + parts[2], "AND")
    if key.upper().startswith("NOT "):
        return NotMatcher(key)
    if "|" in key or "*" in key:
        return GlobMatcher(key)
    if key == "N/A":
        return NaMatcher(key)
    if key.startswith((">", "<")):
        return InequalityMatcher(key)
    return Matcher(key)
