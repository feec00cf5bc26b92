"""Rmap match patterns seen from the generator's side: which values satisfy a pattern.

The generator needs two things from a pattern written in an rmap key: does
a value already chosen for a dataset satisfy it (to keep an instrument's
rmaps consistent), and which concrete values would (to fill a dataset).
This is an approximation for synthesis only; the rules engine holds the
exact matching semantics.
"""
from __future__ import annotations

import fnmatch
import functools
import re

#: Dataset/rmap values conditioned to N/A, and the wildcard spellings.
_NA_SPELLINGS = frozenset({"N/A", "NOT APPLICABLE", "NOT_APPLICABLE", "()", "-2147483648.0"})
_WILDCARDS = frozenset({"*", "ANY"})
_BOOLEANS = {"T": "T", "TRUE": "T", "F": "F", "FALSE": "F"}
_COMPARISON = re.compile(r"^\s*(<=|>=|<|>)\s*([-+0-9.eE]+)\s*$")


@functools.lru_cache(maxsize=1 << 16)
def condition(value: object) -> str:
    """Normalize a value the way CRDS compares it: upper-case, numbers as ``str(float)``."""
    text = str(value).strip().upper()
    if text in _BOOLEANS:
        return _BOOLEANS[text]
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None and text not in ("NAN", "INF", "-INF", "INFINITY"):
        text = str(number)
        if text == "4294967295.0":
            return "-1.0"
    if text in _NA_SPELLINGS:
        return "N/A"
    if text == "ANY":
        return "*"
    return text


@functools.lru_cache(maxsize=1 << 16)
def is_free(pattern: str) -> bool:
    """True when a pattern places no constraint on the dataset value (``*``, ``ANY``, ``N/A``)."""
    text = pattern.strip().upper()
    return text in _WILDCARDS or condition(text) == "N/A"


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _compare(condition_text: str, value: str) -> bool:
    match = _COMPARISON.match(condition_text)
    number = _number(value)
    if match is None or number is None:
        return False
    op, bound = match.group(1), float(match.group(2))
    return {"<": number < bound, "<=": number <= bound, ">": number > bound, ">=": number >= bound}[op]


def accepts(pattern: str, value: str) -> bool:
    """Whether conditioned dataset ``value`` satisfies rmap ``pattern`` (approximately as CRDS)."""
    text = pattern.strip()
    if is_free(text) or value in ("*", "N/A"):
        return True
    if text.startswith("(") and text.endswith(")"):
        try:
            return re.match(text, value) is not None
        except re.error:
            return False
    if text.startswith("{") and text.endswith("}"):
        return value == text[1:-1]
    upper = text.upper()
    if upper.startswith("#") and upper.endswith("#"):
        parts = re.split(r"\s+(AND|OR)\s+", upper.strip("#").strip())
        results = [_compare(part, value) for part in parts[::2]]
        if len(parts) >= 3 and parts[1] == "OR":
            return any(results)
        return all(results)
    if upper.startswith("BETWEEN "):
        bounds = upper.split()[1:3]
        number = _number(value)
        return number is not None and len(bounds) == 2 and float(bounds[0]) <= number < float(bounds[1])
    if upper.startswith("NOT "):
        return not accepts(text[4:], value)
    if _COMPARISON.match(upper):
        return _compare(upper, value)
    if "|" in text or "*" in text:
        return any(fnmatch.fnmatchcase(value, condition(alt)) if "*" in alt else value == condition(alt)
                   for alt in text.split("|"))
    return condition(text) == value


@functools.lru_cache(maxsize=1 << 16)
def is_literal(pattern: str) -> bool:
    """True for a plain value or ``A|B`` alternatives (no regex, glob, range or negation)."""
    text = pattern.strip()
    upper = text.upper()
    return not (text.startswith(("(", "{", "#")) or upper.startswith(("BETWEEN ", "NOT "))
                or _COMPARISON.match(upper) or "*" in text)


def examples(pattern: str, known: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Concrete conditioned values satisfying ``pattern``; ``[]`` when the pattern is free.

    ``known`` are other values seen for the same parameter: they are used
    when the pattern (a glob, regex, range or ``NOT``) does not spell out
    its values.
    """
    text = pattern.strip()
    if is_free(text):
        return []
    if is_literal(text):
        return sorted({condition(alt) for alt in text.split("|") if not is_free(alt)})
    if text.startswith("{") and text.endswith("}"):
        return [text[1:-1]]
    found = sorted({value for value in known if accepts(text, value)})
    if found:
        return found
    return _invent(text)


def _invent(text: str) -> list[str]:
    """A value for an esoteric pattern when no known value satisfies it."""
    upper = text.upper()
    numbers = [float(n) for n in re.findall(r"[-+]?\d+(?:\.\d+)?", upper)]
    if (upper.startswith(("#", "BETWEEN ")) or _COMPARISON.match(upper)) and numbers:
        candidates = [numbers[0], numbers[0] + 0.5, numbers[0] + 1.0, numbers[0] - 1.0]
        if len(numbers) > 1:
            candidates.insert(0, (numbers[0] + numbers[1]) / 2.0)
        return [str(float(c)) for c in candidates if accepts(text, str(float(c)))][:1]
    if "*" in text and not text.startswith("("):
        return [condition(text.split("|")[0].replace("*", "X"))]
    if text.startswith("(") and text.endswith(")"):
        # Literal alternatives of a simple regex, e.g. (F1|F2).
        body = text[1:-1].strip("^$")
        options = [condition(alt) for alt in body.split("|") if re.fullmatch(r"[\w. /-]+", alt)]
        return [value for value in options if accepts(text, value)][:4]
    return []
