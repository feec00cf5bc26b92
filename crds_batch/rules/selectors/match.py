"""Match: choose by matching dataset parameters against rmap key tuples.

Every key field has a matcher; a key survives when no field scores -1; its
weight is minus the number of fields that scored 1.  Candidates are tried best
weight first; equal-weight keys are merged (nested UseAfters union their
dates, terminal files become a tuple).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from .. import trace
from ..conditioning import condition_match_key
from ..errors import AmbiguousMatchError, MatchingError, SelectorStructureError
from .base import Selector, describe_choice
from .matchers import make_matcher


class MatchSelector(Selector):
    """``Match({(v1, v2, ...): choice, ...})``."""

    short_name = "Match"

    def __init__(self, parameters, selections, settings, merged=None):
        super().__init__(parameters, selections, settings, merged)
        try:
            self.matchers = [tuple(make_matcher(field) for field in key) for key, _ in self.selections]
        except (ValueError, AttributeError, TypeError) as exc:
            raise SelectorStructureError(f"{settings.name}: bad Match key: {exc}") from None
        self._merge_cache: dict[tuple[int, ...], Any] = {}
        self._status_cache: list[dict[str, np.ndarray]] = [{} for _ in self.parameters]

    @classmethod
    def condition_key(cls, key: Any) -> tuple[str, ...]:
        return condition_match_key(key)

    def weights(self, header: Mapping[str, str]) -> list[tuple[int, int]]:
        """(weight, index) of every surviving key, in key order."""
        if not self.matchers:
            return []
        statuses = [self._statuses(i, header.get(par, "UNDEFINED")) for i, par in enumerate(self.parameters)]
        if not statuses:
            return [(0, index) for index in range(len(self.matchers))]
        table = np.vstack(statuses)
        alive = np.flatnonzero((table != -1).all(axis=0))
        weights = -table[:, alive].sum(axis=0)
        return list(zip(weights.tolist(), alive.tolist()))

    def _statuses(self, field: int, value: str) -> np.ndarray:
        """Scores (1/0/-1) of ``value`` against every key's ``field``; cached per distinct value."""
        cache = self._status_cache[field]
        found = cache.get(value)
        if found is None:
            found = cache[value] = np.array([matchers[field].match(value) for matchers in self.matchers],
                                            dtype=np.int8)
        return found

    def groups(self, header: Mapping[str, str]) -> list[tuple[tuple[int, ...], Any]]:
        """Candidate groups best first: (key indices, merged choice)."""
        by_weight: dict[int, list[int]] = {}
        for weight, index in self.weights(header):
            by_weight.setdefault(weight, []).append(index)
        return [(tuple(indices), self.merged_choice(tuple(indices))) for _, indices in sorted(by_weight.items())]

    def merged_choice(self, indices: tuple[int, ...]) -> Any:
        """The choice of one equal-weight group; merging is cached per group."""
        if len(indices) == 1:
            return self.selections[indices[0]][1]
        cached = self._merge_cache.get(indices)
        if cached is not None:
            return cached
        if not self.settings.merge_overlaps:
            raise AmbiguousMatchError("More than one match clause matched.")
        choices = [self.selections[i][1] for i in indices]
        if isinstance(choices[0], Selector):
            combined = choices[0]
            for other in choices[1:]:
                combined = combined.merge(other)
        else:
            combined = tuple(choices)
        self._merge_cache[indices] = combined
        return combined

    def candidates(self, header: Mapping[str, str]) -> Iterator[Any]:
        # Lazy like crds: a merge error only matters if the group is reached.
        by_weight: dict[int, list[int]] = {}
        weights = self.weights(header)
        for weight, index in weights:
            by_weight.setdefault(weight, []).append(index)
        if trace.active():
            trace.note("match", nkeys=len(self.selections), survivors=[
                (self.selections[index][0], weight) for weight, index in sorted(weights)])
        for _, indices in sorted(by_weight.items()):
            yield (tuple(indices), self.merged_choice(tuple(indices)))
        raise MatchingError("No match found.")

    def trace_candidate(self, header: Mapping[str, str], selection: Any) -> dict:
        """The tied keys of the group, their weight, and how each field of each key scored."""
        indices, choice = selection
        keys = []
        for index in indices:
            fields = []
            for field, parameter in enumerate(self.parameters):
                value = header.get(parameter, "UNDEFINED")
                status = int(self._statuses(field, value)[index])
                fields.append((parameter, value, self.selections[index][0][field], status))
            keys.append({"key": self.selections[index][0], "fields": fields,
                         "choice": describe_choice(self.selections[index][1])})
        weight = -sum(status for _, _, _, status in keys[0]["fields"]) if keys else 0
        return {"weight": weight, "keys": keys, "choice": describe_choice(choice), "merged": len(indices) > 1}
