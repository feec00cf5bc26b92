"""Strings for parameter values that were not strings in their source.

crds conditions every parameter value at lookup (``str``, strip, upper,
numbers through ``float``...). A save written by another tool may carry JSON
numbers, booleans or nulls; we store the string crds's conditioning makes of
them, so that our export read back by crds, and our own lookups, see the same
value. String values are kept exactly as written (crds conditions them at
lookup, and so does our rules engine).
"""
from __future__ import annotations

import re
from typing import Any

_NUMBER = re.compile(r"^([-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|[+-]?[0-9]+\.)$")
_DONT_CARE = re.compile(r"^(-2147483648\.0|\(\)|N/A|NOT APPLICABLE|NOT_APPLICABLE)$")


def condition_nonstring(value: Any) -> str:
    """Return the string crds's value conditioning makes of ``value``.

    >>> condition_nonstring(2), condition_nonstring(True), condition_nonstring(None)
    ('2.0', 'T', 'NONE')
    """
    text = str(value).strip().upper()
    if _NUMBER.match(text):
        text = str(float(text))
    if _DONT_CARE.match(text):
        return "N/A"
    if text == "ANY":
        return "*"
    if text == "4294967295.0":
        return "-1.0"
    if text in ("T", "TRUE"):
        return "T"
    if text in ("F", "FALSE"):
        return "F"
    return text


def as_parameter(value: Any) -> str:
    """A stored parameter value: strings as written, anything else conditioned."""
    return value if type(value) is str else condition_nonstring(value)
