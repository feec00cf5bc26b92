"""Date- and version-ordered selectors: UseAfter, VersionAfter, ClosestTime.

UseAfter keys stay as written and are compared with the normalized dataset
date as *strings*: the greatest key <= the date wins.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from ..conditioning import glob_compress
from ..dates import parse_date, reformat_date
from ..errors import InvalidDatetimeError, LookupFailure, UseAfterError, ValidationError, VersionAfterError
from .base import Selector, describe_choice

_VERSION_RE = re.compile(r"^(\d{1,8}(\.\d{1,8}(\.\d{1,8})?)?)[a-zA-Z0-9_\+\-\.]{0,128}$")


class UseAfterSelector(Selector):
    """``UseAfter({'YYYY-MM-DD HH:MM:SS': choice, ...})``."""

    short_name = "UseAfter"
    error_class: type[LookupFailure] = UseAfterError

    def __init__(self, parameters, selections, settings, merged=None):
        super().__init__(parameters, selections, settings, merged)
        self.keys = [key for key, _ in self.selections]

    def get_parkey_map(self) -> dict[str, Any]:
        return {par: "*" for par in self.parameters}

    def raw_date(self, header: Mapping[str, str]) -> str:
        """The dataset's date parameters stripped and space-joined."""
        parts = []
        for par in self.parameters:
            value = header[par].strip()
            if value == "UNDEFINED":
                raise InvalidDatetimeError("UseAfter parameter", repr(par), "is UNDEFINED.")
            parts.append(value)
        return " ".join(parts)

    def validate_header(self, header: Mapping[str, str]) -> Any:
        return normalize_date(self.parameters, self.raw_date(header), self.short_name)

    def find(self, date: Any) -> int:
        """Index of the greatest key <= ``date``; raise the lookup error if none."""
        index = bisect.bisect_right(self.keys, date) - 1
        if index < 0:
            raise self.error_class("No selection <= " + repr(date))
        return index

    def candidates(self, date: Any) -> Iterator[Any]:
        yield self.selections[self.find(date)]

    def trace_candidate(self, date: Any, selection: Any) -> dict:
        """The key chosen for the dataset's date, and the next (later, so not chosen) key."""
        index = self.selections.index(selection)
        later = self.selections[index + 1][0] if index + 1 < len(self.selections) else None
        return {"key": selection[0], "choice": describe_choice(selection[1]), "next": later,
                "earlier": index}

    def merge(self, other: Selector) -> Selector:
        """Union of both date tables; on equal dates the greater choice wins."""
        if not isinstance(other, UseAfterSelector):
            # crds reads other._selections; a tied plain value fails the same way.
            raise AttributeError(f"{type(other).__name__!r} object has no attribute '_selections'")
        merged: dict[Any, Any] = {}
        for key, choice in list(self.selections) + list(other.selections):
            if key in merged:
                merged[key] = max(merged[key], choice)
            else:
                merged[key] = choice
        return type(self)(self.parameters, None, self.settings, merged=sorted(merged.items(), key=lambda kv: kv[0]))


def normalize_date(parameters: tuple[str, ...], date: str, short_name: str = "UseAfter") -> str:
    """Normalized date, or ValidationError with crds's text."""
    try:
        return reformat_date(date)
    except Exception as exc:
        raise ValidationError(short_name, "Invalid date/time format for", repr(parameters),
                              "value =", repr(date), "exception is", repr(str(exc))) from None


class VersionAfterSelector(UseAfterSelector):
    """``VersionAfter({'1.2.3': choice, ...})``: UseAfter over (major, minor, patch) tuples."""

    short_name = "VersionAfter"
    error_class = VersionAfterError

    def condition_key(self, version: Any) -> tuple[int, ...]:
        _check_version(version)
        parts = _VERSION_RE.match(version).group(1).split(".")[:3]
        numbers = tuple(int(part, base=10) for part in parts)
        return numbers + (0,) * (3 - len(numbers))

    def validate_header(self, header: Mapping[str, str]) -> Any:
        version = glob_compress(".".join(header[par] for par in self.parameters))
        _check_version(version)
        return self.condition_key(version)


def _check_version(version: Any) -> None:
    if not (isinstance(version, str) and _VERSION_RE.match(version)):
        raise AssertionError("Invalid version string " + repr(version))


class ClosestTimeSelector(UseAfterSelector):
    """``ClosestTime({date: choice})``: the key nearest in time (float32 seconds, first on ties)."""

    short_name = "ClosestTime"

    def candidates(self, date: Any) -> Iterator[Any]:
        when = parse_date(date)
        deltas = np.array([abs((when - parse_date(key)).total_seconds()) for key in self.keys], "f")
        yield self.selections[int(np.argmin(deltas))]

    def trace_candidate(self, date: Any, selection: Any) -> dict:
        delta = abs((parse_date(date) - parse_date(selection[0])).total_seconds())
        return {"key": selection[0], "choice": describe_choice(selection[1]), "seconds_away": delta}
