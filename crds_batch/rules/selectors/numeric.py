"""Selectors keyed by numbers or versions: GeometricallyNearest, Bracket, SelectVersion.

Real HST/JWST rules do not use them; the ``tobs`` test observatory does.
"""
from __future__ import annotations

import ast
import numbers
import re
import sys
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from ..conditioning import condition_value
from ..errors import ValidationError
from .base import Selector, describe_choice


def _number(selector: Selector, name: str, value: Any) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValidationError(selector.short_name, "Invalid number for", repr(name), "value =", repr(value)) from None


class GeometricallyNearestSelector(Selector):
    """The key numerically nearest the dataset value (float32 distances, first on ties)."""

    short_name = "GeometricallyNearest"

    @classmethod
    def condition_key(cls, key: Any) -> str:
        return condition_value(key)

    def validate_header(self, header: Mapping[str, str]) -> Any:
        return _number(self, self.parameters[0], header[self.parameters[0]])

    def candidates(self, value: float) -> Iterator[Any]:
        keys = np.array([key for key, _ in self.selections], dtype="f")
        yield self.selections[int(np.argmin(np.abs(keys - value)))]

    def trace_candidate(self, value: float, selection: Any) -> dict:
        return {"key": selection[0], "choice": describe_choice(selection[1]),
                "distance": abs(float(selection[0]) - value)}


class BracketSelector(Selector):
    """The pair of choices whose keys bracket the dataset value (clamped at both ends)."""

    short_name = "Bracket"

    def get_parkey_map(self) -> dict[str, Any]:
        return {}

    def validate_header(self, header: Mapping[str, str]) -> Any:
        return _number(self, self.parameters[0], header[self.parameters[0]])

    def candidates(self, value: float) -> Iterator[Any]:
        selections = self.selections
        index = 0
        while index < len(selections) and value > selections[index][0]:
            index += 1
        if index == len(selections):
            yield (selections[index - 1], selections[index - 1])
        elif index == 0 or value == selections[index][0]:
            yield (selections[index], selections[index])
        else:
            yield (selections[index - 1], selections[index])

    def trace_candidate(self, value: float, pair: Any) -> dict:
        less, greater = pair
        return {"key": (less[0], greater[0]), "choice": (describe_choice(less[1]), describe_choice(greater[1]))}

    def get_choice(self, pair: tuple[Any, Any], header: Mapping[str, str]) -> Any:
        less, greater = pair
        first = Selector.get_choice(self, less, header)
        second = Selector.get_choice(self, greater, header) if less != greater else first
        return first, second


_RELATION_RE = re.compile(r"^([<=][=]?|default)(.*)$")


class VersionRelation:
    """``'<5'``, ``'=3.1'``, ``'default'``: ordered by (version, relation); default is greatest."""

    __slots__ = ("text", "relation", "version")

    def __init__(self, text: Any):
        self.text = str(text)
        if self.text.replace("=", "").strip() == "default":
            self.relation, self.version = "=", sys.maxsize
            return
        if not self.text.startswith(("<", "=")):
            self.text = "=" + self.text
        match = _RELATION_RE.match(self.text)
        if not match:
            raise ValidationError("Illegal version expression in:", repr(self.text))
        self.relation = match.group(1).replace("==", "=")
        try:
            self.version = ast.literal_eval(match.group(2).strip())
        except ValueError:
            raise ValidationError("Invalid version expression in:", repr(self.text)) from None

    def _other(self, other: Any) -> VersionRelation:
        other = other if isinstance(other, VersionRelation) else VersionRelation(str(other))
        compatible = (
            (isinstance(self.version, numbers.Number) and isinstance(other.version, numbers.Number))
            or isinstance(self.version, type(other.version))
        )
        if not compatible:
            raise ValidationError("Incompatible version expression types:", str(self.version), "and",
                                  str(other.version))
        return other

    def __lt__(self, other: Any) -> bool:
        return (self.version, self.relation) < (lambda o: (o.version, o.relation))(self._other(other))

    def __eq__(self, other: Any) -> bool:
        other = self._other(other)
        return (self.version, self.relation) == (other.version, other.relation)

    def __hash__(self) -> int:
        return hash((self.version, self.relation))

    def __repr__(self) -> str:
        return f"VersionRelation({self.text!r})"


class SelectVersionSelector(Selector):
    """The first relation (in sorted order) that the dataset version does not exceed."""

    short_name = "SelectVersion"

    @classmethod
    def condition_key(cls, key: Any) -> VersionRelation:
        return key if isinstance(key, VersionRelation) else VersionRelation(key)

    def get_parkey_map(self) -> dict[str, Any]:
        return {}

    def validate_header(self, header: Mapping[str, str]) -> Any:
        value = header[self.parameters[0]]
        if value.replace("=", "").strip() != "default":
            _number(self, self.parameters[0], value)
        return value

    def candidates(self, version: Any) -> Iterator[Any]:
        index = 0
        while self.selections[index][0] < version:
            index += 1
        yield self.selections[index]

    def trace_candidate(self, version: Any, selection: Any) -> dict:
        return {"key": selection[0].text, "choice": describe_choice(selection[1])}
