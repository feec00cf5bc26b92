"""The selector protocol shared by every selector class.

A selector holds sorted ``(key, choice)`` selections, where a choice is a
terminal value (file name, tuple or dict of names, ``N/A``...) or a nested
selector.  ``choose(header)`` checks the header, then tries the selections
its subclass proposes, best first, recursing into nested selectors; a nested
*lookup* failure moves on to the next proposal, any other error aborts.
"""
from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from .. import trace
from ..conditioning import condition_value, esoteric_key, glob_list
from ..errors import DuplicateKeyError, LookupFailure, SelectorStructureError, ValidationError

_UNCHECKED = object()

#: _valid_values's results per key field text.
_FIELD_VALUES: dict[str, frozenset | None] = {}


def _valid_values(field: Any) -> frozenset | None:
    """The valid values a key field spells (its globbed alternatives), or None if it is esoteric."""
    found = _FIELD_VALUES.get(field, _UNCHECKED) if type(field) is str else _UNCHECKED
    if found is _UNCHECKED:
        found = None if esoteric_key(field) else frozenset(glob_list(field))
        if type(field) is str:
            _FIELD_VALUES[field] = found
    return found

#: Substitutions applied to every rmap (``GENERIC`` subarray means any).
DEFAULT_SUBSTITUTIONS = {"META.SUBARRAY.NAME": {"GENERIC": "N/A"}, "SUBARRAY": {"GENERIC": "N/A"}}


class RmapSettings:
    """The rmap header facts selectors need, read once per rmap."""

    __slots__ = ("name", "substitutions", "merge_overlaps")

    def __init__(self, name: str, substitutions: Mapping | None = None, merge_overlaps: Any = None):
        self.name = name
        subs = dict(DEFAULT_SUBSTITUTIONS)
        subs.update(substitutions or {})
        self.substitutions = subs
        self.merge_overlaps = True if merge_overlaps is None else str(merge_overlaps).upper() in ("TRUE", "1")


class Selector:
    """Base selector: subclasses define key conditioning, header validation and candidate order."""

    short_name = "Selector"

    def __init__(self, parameters: tuple[str, ...], selections: list[tuple[Any, Any]] | None,
                 settings: RmapSettings, merged: list[tuple[Any, Any]] | None = None):
        if not isinstance(parameters, (list, tuple)):
            raise SelectorStructureError(f"{settings.name}: parameters should be a list or tuple of header keys")
        self.parameters = tuple(parameters)
        self.settings = settings
        if merged is not None:
            self.selections = merged
        else:
            self.selections = self._condition(self._substitute(dict(selections or ())))
        self.parkey_map = self.get_parkey_map()
        #: validate_value's outcome per (parameter, value): None or the exception it raised.
        self._validated: dict[tuple[str, Any], BaseException | None] = {}

    # ---------------------------------------------------------------- loading
    def _substitute(self, raw: dict) -> dict:
        """Apply header substitutions to raw keys, in place and in crds's order (moved keys go last)."""
        subs = self.settings.substitutions
        for keyword in self.parameters:
            if keyword not in subs:
                continue
            table = subs[keyword]
            which = self.parameters.index(keyword)
            for key in list(raw):
                old = key[which] if isinstance(key, tuple) else key
                try:
                    hit = old in table
                except TypeError:
                    hit = False
                if not hit:
                    continue
                replacement = table[old]
                if isinstance(replacement, list):
                    replacement = tuple(replacement)
                if isinstance(key, tuple):
                    new_key = key[:which] + (replacement,) + key[which + 1:]
                else:
                    new_key = replacement
                raw[new_key] = raw.pop(key)
        return raw

    def _condition(self, raw: dict) -> list[tuple[Any, Any]]:
        result = [(self.condition_key(key), value) for key, value in raw.items()]
        seen = set()
        for key, _ in result:
            if key in seen:
                raise DuplicateKeyError(f"{self.settings.name}: Key {key!r} appears more than once")
            seen.add(key)
        return sorted(result, key=lambda item: item[0])

    @classmethod
    def condition_key(cls, key: Any) -> Any:
        return key

    def get_parkey_map(self) -> dict[str, Any]:
        """Valid values of each parameter as the keys spell them ([] = unchecked)."""
        parmap: dict[str, Any] = {}
        npars = len(self.parameters)
        for i, par in enumerate(self.parameters):
            values: Any = parmap.setdefault(par, set())
            for key, _ in self.selections:
                if not isinstance(key, tuple):
                    key = (key,)
                if len(key) != npars:
                    raise SelectorStructureError(
                        f"{self.settings.name}: {self.short_name} key={key!r} is wrong length for parameters "
                        f"{self.parameters!r}")
                field_values = _valid_values(key[i])
                if field_values is None:
                    parmap[par] = []
                    break
                values |= field_values
        return {par: sorted(values) for par, values in parmap.items()}

    # ---------------------------------------------------------------- lookup
    def choose(self, header: Mapping[str, str]) -> Any:
        """Return the terminal choice for ``header`` (a conditioned, minimized dataset header)."""
        self.check_defined(header)
        lookup = self.validate_header(header)
        tracing = trace.active()
        if tracing:
            trace.note("selector", selector=self.short_name, parameters=self.parameters,
                       values={name: header.get(name, "UNDEFINED") for name in self.parameters},
                       lookup=None if lookup is header else lookup, nkeys=len(self.selections))
        last = None
        for selection in self.candidates(lookup):
            if tracing:
                trace.note("candidate", **self.trace_candidate(lookup, selection))
            try:
                if not tracing:
                    return self.get_choice(selection, header)
                with trace.deeper():
                    return self.get_choice(selection, header)
            except LookupFailure as exc:
                trace.note("candidate_failed", error=str(exc))
                last = exc
        more = " last exception: " + str(last) if last else ""
        raise LookupFailure("All lookup attempts failed." + more)

    def check_defined(self, header: Mapping[str, str]) -> None:
        for name in self.parameters:
            if name not in header and name in self.parkey_map and "N/A" not in self.parkey_map[name]:
                raise ValidationError(f"{self.short_name} required lookup parameter {name!r} is undefined.")

    def validate_header(self, header: Mapping[str, str]) -> Any:
        failure = self.validation_failure(header)
        if failure is not None:
            raise copy.copy(failure)  # a fresh one: a raised exception keeps the frames it passed through
        return header

    def validation_failure(self, header: Mapping[str, str]) -> BaseException | None:
        """What ``validate_value`` raises for the first parameter ``header`` fails, or None.

        The outcome is remembered per (parameter, value); the exception returned is shared (do not raise it).
        """
        validated = self._validated
        for name in self.parameters:
            value = header.get(name, "UNDEFINED")
            key = (name, value)
            try:
                failure = validated.get(key, _UNCHECKED)
            except TypeError:  # an unhashable value: not remembered
                failure = self._validation_failure(name, value)
            else:
                if failure is _UNCHECKED:
                    failure = validated[key] = self._validation_failure(name, value)
            if failure is not None:
                return failure
        return None

    def _validation_failure(self, name: str, value: Any) -> BaseException | None:
        try:
            self.validate_value(name, value, self.parkey_map[name])
        except Exception as exc:
            # Kept without its traceback: its frames would keep their callers' data alive.
            exc.__traceback__ = exc.__context__ = None
            return exc
        return None

    def validate_value(self, name: str, value: str, valid: list) -> None:
        """Raise ValidationError unless ``value`` is acceptable for parameter ``name`` (runtime rules)."""
        if value in valid or condition_value(value) in valid:
            return
        if "*" in valid or "ANY" in valid or "N/A" in valid or not valid:
            return
        if value.startswith("NOT"):
            return self.validate_value(name, value[len("NOT"):].strip(), valid)
        if esoteric_key(value) or value in ("*", "ANY", "N/A"):
            return
        if value.lower().startswith("between"):
            _between, low, high = value.split()
            self.validate_value(name, low, valid)
            self.validate_value(name, high, valid)
            return
        if len(valid) == 1 and ":" in valid[0]:
            low, high = (float(x) for x in valid[0].split(":"))
            if low <= float(value) <= high:
                return
            raise ValidationError(f" parameter={name!r} value ={value!r} is not in range [{low} .. {high}]")
        subs = self.settings.substitutions
        if name in subs and value in subs[name]:
            return self.validate_value(name, subs[name][value], valid)
        raise ValidationError(f" parameter={name!r} value={value!r} is not in {valid!r}")

    def candidates(self, lookup: Any) -> Iterator[Any]:
        raise NotImplementedError

    def trace_candidate(self, lookup: Any, selection: Any) -> dict:
        """What :mod:`..trace` records about a proposed selection (only while tracing)."""
        return {"key": selection[0], "choice": describe_choice(selection[1])}

    def get_choice(self, selection: tuple[Any, Any], header: Mapping[str, str]) -> Any:
        choice = selection[1]
        if isinstance(choice, Selector):
            return choice.choose(header)
        return choice

    def merge(self, other: Selector) -> Selector:
        from ..errors import AmbiguousMatchError

        raise AmbiguousMatchError(
            "More than one match was found at the same weight and " + self.short_name + " does not support merging.")

    # ---------------------------------------------------------------- closure
    def choices(self) -> list[Any]:
        return [choice for _, choice in self.selections]

    def terminal_values(self) -> set[str]:
        """Every file name (or special value) this selector can return, nested included."""
        names: set[str] = set()
        for choice in self.choices():
            if isinstance(choice, Selector):
                names |= choice.terminal_values()
            elif isinstance(choice, str):
                names.add(choice)
            elif isinstance(choice, tuple):
                names.update(choice)
            elif isinstance(choice, dict):
                names.update(choice.values())
        return names

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.parameters!r}, nselections={len(self.selections)})"


def describe_choice(choice: Any) -> Any:
    """A terminal choice as is; a nested selector as ``"<UseAfter on (DATE-OBS, TIME-OBS)>"``."""
    if isinstance(choice, Selector):
        return f"<{choice.short_name} on ({', '.join(choice.parameters)})>"
    return choice
