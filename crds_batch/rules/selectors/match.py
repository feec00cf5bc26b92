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
from .matchers import GlobMatcher, Matcher, NaMatcher, make_matcher


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
        self._field_scorers: list[FieldScorer | None] = [None] * len(self.parameters)

    @classmethod
    def condition_key(cls, key: Any) -> tuple[str, ...]:
        return condition_match_key(key)

    def weights(self, header: Mapping[str, str]) -> list[tuple[int, int]]:
        """(weight, index) of every surviving key, in key order."""
        if not self.matchers:
            return []
        if not self.parameters:
            return [(0, index) for index in range(len(self.matchers))]
        statuses = [self._statuses(i, header.get(par, "UNDEFINED")) for i, par in enumerate(self.parameters)]
        alive = statuses[0] != -1
        for scores in statuses[1:]:
            alive &= scores != -1
        alive = np.flatnonzero(alive)
        total = statuses[0][alive]  # a fancy index makes a copy: summed in place
        for scores in statuses[1:]:
            total += scores[alive]
        return list(zip((-total).tolist(), alive.tolist()))

    def _statuses(self, field: int, value: str) -> np.ndarray:
        """Scores (1/0/-1) of ``value`` against every key's ``field``; cached per distinct value.

        Read-only: the array is shared by every caller asking for the same value.
        """
        cache = self._status_cache[field]
        found = cache.get(value)
        if found is None:
            scorer = self._field_scorers[field]
            if scorer is None:
                scorer = self._field_scorers[field] = FieldScorer([matchers[field] for matchers in self.matchers])
            found = cache[value] = scorer.scores(value)
            found.flags.writeable = False
        return found

    def scalar_statuses(self, field: int, value: str) -> np.ndarray:
        """:meth:`_statuses` computed matcher by matcher (the definition the scorer must agree with)."""
        return np.array([matchers[field].match(value) for matchers in self.matchers], dtype=np.int8)

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


class FieldScorer:
    """Scores of a value against one field of every key, by array operations where the matcher allows.

    A plain key (:class:`Matcher`) or a glob of plain parts scores 1 for the values it equals and -1 for
    any other (``*`` and ``N/A`` aside); an ``N/A`` key scores 0 whatever the value.  So a value's
    scores are a copy of the per-key defaults, 1 written at the keys listed for that exact value, and
    the other matchers (regex, wildcard globs, inequalities, AND/OR, NOT) asked one by one.  The two
    values every plain matcher treats apart (``*`` and ``N/A``), and any non-text value, are scored
    matcher by matcher.
    """

    __slots__ = ("matchers", "defaults", "exact", "others")

    def __init__(self, matchers: list[Matcher]):
        self.matchers = matchers
        self.defaults = np.full(len(matchers), -1, dtype=np.int8)
        exact: dict[str, list[int]] = {}
        self.others: list[tuple[int, Matcher]] = []
        for index, matcher in enumerate(matchers):
            kind = type(matcher)
            if kind is Matcher:
                exact.setdefault(matcher.key, []).append(index)
            elif kind is NaMatcher:
                self.defaults[index] = 0
            elif kind is GlobMatcher and matcher.exact_parts is not None:
                for text in {matcher.key, *matcher.exact_parts}:  # key: Matcher.match's equality test
                    exact.setdefault(text, []).append(index)
            else:
                self.others.append((index, matcher))
        self.exact = {text: np.array(indices, dtype=np.intp) for text, indices in exact.items()}

    def scores(self, value: str) -> np.ndarray:
        if type(value) is not str or value == "*" or value == "N/A":
            return np.array([matcher.match(value) for matcher in self.matchers], dtype=np.int8)
        scores = self.defaults.copy()
        hits = self.exact.get(value)
        if hits is not None:
            scores[hits] = 1
        for index, matcher in self.others:
            scores[index] = matcher.match(value)
        return scores
