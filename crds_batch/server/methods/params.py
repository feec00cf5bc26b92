"""Checks of JSON-RPC parameter types: a wrong type is an InvalidParamsError naming the parameter."""
from __future__ import annotations

from typing import Any

from ..jsonrpc import InvalidParamsError


def text(name: str, value: Any, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise InvalidParamsError(f"{name} must be a string, not {_kind(value)}")
    return value


def text_list(name: str, value: Any, *, optional: bool = False, limit: int | None = None) -> list[str] | None:
    if value is None and optional:
        return None
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise InvalidParamsError(f"{name} must be a list of strings, not {_kind(value)}")
    if limit is not None and len(value) > limit:
        raise InvalidParamsError(f"{name}: {len(value)} items, more than the {limit} allowed per call")
    return list(value)


def header(name: str, value: Any) -> dict[str, str]:
    """A dataset header: an object whose values are scalars (sent to the engine as strings)."""
    if not isinstance(value, dict):
        raise InvalidParamsError(f"{name} must be an object of parameter values, not {_kind(value)}")
    for key, item in value.items():
        if not isinstance(item, (str, int, float, bool)) and item is not None:
            raise InvalidParamsError(f"{name}[{key!r}] must be a string or number, not {_kind(item)}")
    return {str(key): "UNDEFINED" if item is None else str(item) for key, item in value.items()}


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
