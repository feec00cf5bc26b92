"""Strings for parameter values that were not strings in their source.

crds conditions every parameter value at lookup (``str``, strip, upper,
numbers through ``float``...). A save written by another tool may carry JSON
numbers, booleans or nulls; we store the string crds's conditioning makes of
them, so that our export read back by crds, and our own lookups, see the same
value. String values are kept exactly as written (crds conditions them at
lookup, and so does our rules engine).
"""
from __future__ import annotations

from typing import Any

from ..rules.conditioning import condition_value


def as_parameter(value: Any) -> str:
    """A stored parameter value: strings as written, anything else conditioned."""
    return value if type(value) is str else condition_value(value)
