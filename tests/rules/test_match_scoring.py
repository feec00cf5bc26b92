"""The array scoring of Match fields, the remembered validations and the shared matchers against their
one-by-one definitions, on every rmap of the real cache."""
from __future__ import annotations

import copy
import functools
from itertools import islice

import numpy as np
import pytest

from crds_batch.rules.conditioning import _condition_key_element, condition_key_element
from crds_batch.rules.loading import load_mapping
from crds_batch.rules.selectors import MatchSelector, Selector
from crds_batch.rules.selectors.match import FieldScorer
from crds_batch.rules.selectors.matchers import GlobMatcher, _new_matcher, make_matcher
from tests.conftest import CACHE

#: Values every field is scored against besides its own keys' texts (and variants of them).
ODD_VALUES = ("*", "N/A", "UNDEFINED", "", " ", "ANY", "NONE", "0.0", "1.0", "-1.0", "0.5", "1.4", "100.0",
              "1e3", "-2147483648.0", "5", "A|B", "NOT X", "#A#", "(X)", "{X}", "F*", "?", "[A]", "a", "wfc")


@functools.lru_cache(maxsize=None)
def _match_selectors() -> list[MatchSelector]:
    """Every Match selector (nested ones too) of every rmap in the cache that loads."""
    found: list[MatchSelector] = []

    def walk(selector):
        if isinstance(selector, MatchSelector):
            found.append(selector)
        if isinstance(selector, Selector):
            for choice in selector.choices():
                walk(choice)

    for path in sorted((CACHE / "mappings").glob("*/*.rmap")):
        try:
            walk(load_mapping(str(path)).selector)
        except Exception:  # the cache holds a few deliberately broken rmaps
            continue
    return found


def _distinct_fields() -> list[tuple[MatchSelector, int]]:
    """One (selector, field) per distinct list of key texts in that field (rmap versions repeat them)."""
    seen, fields = set(), []
    for selector in _match_selectors():
        for field in range(len(selector.parameters)):
            texts = tuple(matchers[field].key for matchers in selector.matchers)
            kinds = tuple(type(matchers[field]) for matchers in selector.matchers)
            if (texts, kinds) not in seen:
                seen.add((texts, kinds))
                fields.append((selector, field))
    return fields


def _values(selector: MatchSelector, field: int) -> set[str]:
    values = set(ODD_VALUES)
    for matchers in selector.matchers:
        matcher = matchers[field]
        values |= {matcher.key, matcher.key.lower(), matcher.key + "X", "X" + matcher.key, matcher.key[:-1]}
        if isinstance(matcher, GlobMatcher):
            for part in matcher.exact_parts or ():
                values |= {part, part.lower(), part + "X"}
    return values


def test_the_cache_has_the_matcher_kinds_the_scorer_treats_apart():
    kinds = {type(matchers[field]).__name__ for selector in _match_selectors()
             for matchers in selector.matchers for field in range(len(matchers))}
    assert {"Matcher", "NaMatcher", "GlobMatcher", "BinaryMatcher"} <= kinds
    globs = [m for s in _match_selectors() for ms in s.matchers for m in ms if isinstance(m, GlobMatcher)]
    assert any(m.exact_parts is None for m in globs) and any(m.exact_parts for m in globs)


def test_field_scores_equal_the_matchers_one_by_one_on_every_rmap():
    checked = 0
    for selector, field in _distinct_fields():
        scorer = FieldScorer([matchers[field] for matchers in selector.matchers])
        for value in _values(selector, field):
            expected = np.array([matchers[field].match(value) for matchers in selector.matchers], dtype=np.int8)
            assert np.array_equal(scorer.scores(value), expected), (selector, field, value)
            checked += 1
    assert checked > 50_000


def test_statuses_are_cached_read_only_and_equal_the_scalar_ones():
    selector = max(_match_selectors(), key=lambda s: len(s.selections))
    value = selector.matchers[0][0].key
    first = selector._statuses(0, value)
    assert selector._statuses(0, value) is first
    assert not first.flags.writeable
    assert np.array_equal(first, selector.scalar_statuses(0, value))


def _scalar_weights(selector: MatchSelector, header: dict) -> list[tuple[int, int]]:
    """crds's Match weighting written out: keys with no field at -1, weight minus the fields at 1."""
    result = []
    for index, matchers in enumerate(selector.matchers):
        scores = [matcher.match(header.get(par, "UNDEFINED")) for matcher, par in zip(matchers, selector.parameters)]
        if -1 not in scores:
            result.append((-sum(scores), index))
    return result


def test_weights_equal_the_scalar_weighting_on_headers_made_of_key_values():
    checked = 0
    for selector in _match_selectors()[::7]:
        keys = [tuple(m.key for m in matchers) for matchers in selector.matchers]
        headers = [dict(zip(selector.parameters, key)) for key in islice(keys, 0, None, max(1, len(keys) // 5))]
        headers += [{par: value for par in selector.parameters} for value in ("*", "N/A", "X")]
        headers += [dict(header, **{selector.parameters[0]: "N/A"}) for header in headers[:2] if selector.parameters]
        headers += [{}]
        for header in headers:
            assert selector.weights(header) == _scalar_weights(selector, header), (selector, header)
            checked += 1
    assert checked > 1000


def test_validation_outcomes_are_remembered_and_raised_afresh():
    selector = next(s for s in _match_selectors() if any(s.parkey_map[p] for p in s.parameters))
    name = next(p for p in selector.parameters if selector.parkey_map[p])
    header = {par: "NO SUCH VALUE" for par in selector.parameters}
    with pytest.raises(Exception) as direct:
        selector.validate_value(name if name == selector.parameters[0] else selector.parameters[0],
                                "NO SUCH VALUE", selector.parkey_map[selector.parameters[0]])
    raised = []
    for _ in range(2):
        with pytest.raises(type(direct.value)) as caught:
            selector.validate_header(header)
        raised.append(caught.value)
    assert str(raised[0]) == str(raised[1]) == str(direct.value)
    assert raised[0] is not raised[1]  # each raise gets its own exception (and traceback)
    remembered = selector.validation_failure(header)
    assert str(remembered) == str(direct.value) and remembered.__traceback__ is None
    valid = {par: (selector.parkey_map[par] or ["*"])[0] for par in selector.parameters}
    assert selector.validation_failure(valid) is None
    assert selector.validate_header(valid) is valid


def test_shared_matchers_and_conditioned_fields_equal_fresh_ones():
    texts = {m.key for s in _match_selectors()[::5] for ms in s.matchers for m in ms}
    for text in texts:
        shared, fresh = make_matcher(text), _new_matcher(text)
        assert make_matcher(text) is shared and type(shared) is type(fresh)
        for value in (text, text.lower(), "*", "N/A", "X", "1.0"):
            assert shared.match(value) == fresh.match(value)
    raw_fields = {field for s in _match_selectors()[::5] for key, _ in s.selections for field in key}
    for field in raw_fields:
        assert condition_key_element(field) == _condition_key_element(copy.copy(field))
