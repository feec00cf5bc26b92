"""Value conditioning: how CRDS normalizes header values and rmap match keys.

Dataset values and rmap keys are both passed through :func:`condition_value`
before they are compared, so ``2``, ``'2'`` and ``'2.0'`` all become ``'2.0'``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_NUMBER_RE = re.compile(r"^([-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|[+-]?[0-9]+\.)$")
# crds anchors only the first alternative (``^a|b|c$``); keep that reading.
_DONT_CARE_RE = re.compile(r"^-2147483648.0|\(\)|N/A|NOT APPLICABLE|NOT_APPLICABLE$")

#: Values that are accepted by any matcher during validation.
WILDCARDS = ("*", "ANY", "N/A")


def condition_value(value: Any) -> str:
    """Return ``value`` as CRDS compares it: upper-case string, numbers as floats, N/A and * spellings unified."""
    text = str(value).strip().upper()
    if _NUMBER_RE.match(text):
        text = str(float(text))
    if _DONT_CARE_RE.match(text):
        text = "N/A"
    if text == "ANY":
        return "*"
    if text == "4294967295.0":
        return "-1.0"
    if text in ("T", "TRUE"):
        return "T"
    if text in ("F", "FALSE"):
        return "F"
    return text


def condition_header(header: Mapping[str, Any]) -> dict[str, str]:
    """Upper-case the keys and condition the values of a dataset header."""
    upper = {str(key).upper(): value for key, value in header.items()}
    return {key: condition_value(value) for key, value in upper.items()}


def evalable_name(key: str) -> str:
    """``META.INSTRUMENT.NAME`` -> ``META_INSTRUMENT_NAME`` (names usable in expressions)."""
    return key.replace(".", "_")


def add_evalable_keys(header: Mapping[str, str]) -> dict[str, str]:
    """Copy of ``header`` where dotted keys also appear under their underscore names."""
    result = dict(header)
    for key in header:
        alias = evalable_name(key)
        if alias != key:
            result[alias] = header[key]
    return result


def esoteric_key(key: str) -> bool:
    """True for match keys whose validity cannot be checked by value (regex, literal, expression, NOT, BETWEEN)."""
    upper = key.upper()
    return (
        (upper.startswith(("{", "(", "#")) and upper.endswith(("}", ")", "#")))
        or upper.startswith("BETWEEN")
        or upper.startswith("NOT")
    )


def glob_list(value: str) -> list[str]:
    """``'B|A| '`` -> ``['A', 'B']``; esoteric or plain values -> ``[value]``."""
    if not esoteric_key(value) and "|" in value:
        return sorted(part.strip() for part in value.split("|") if part.strip())
    return [value]


def glob_compress(value: str) -> str:
    """``'FOO|BAR | BAZ'`` -> ``'BAR|BAZ|FOO'``."""
    return "|".join(glob_list(value))


#: condition_key_element's results for text fields (rmaps repeat the same fields many times).
_CONDITIONED_FIELDS: dict[str, str] = {}


def condition_key_element(element: Any) -> str:
    """Condition one field of an rmap Match key as crds does when it loads the rmap."""
    if type(element) is str:
        found = _CONDITIONED_FIELDS.get(element)
        if found is None:
            found = _CONDITIONED_FIELDS[element] = _condition_key_element(element)
        return found
    return _condition_key_element(element)


def _condition_key_element(element: Any) -> str:
    if isinstance(element, str):
        if (element.startswith("{") and element.endswith("}")) or (
            element.startswith("(") and element.endswith(")")
        ):
            return element
        if "|" in element:
            return "|".join(condition_value(part) for part in glob_list(element))
        return condition_value(glob_compress(element))
    if isinstance(element, (tuple, list)):
        return "|".join(condition_value(part) for part in element)
    return condition_value(element)


def condition_match_key(key: Any) -> tuple[str, ...]:
    """Condition a whole Match key; a bare value is a one-field key."""
    if isinstance(key, tuple):
        return tuple(condition_key_element(element) for element in key)
    return (condition_key_element(key),)
