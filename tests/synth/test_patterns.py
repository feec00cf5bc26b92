"""Match patterns from the generator's side."""
from __future__ import annotations

import pytest

from crds_batch.synth import patterns


@pytest.mark.parametrize("raw, conditioned", [
    ("2", "2.0"), (" wfc ", "WFC"), ("ANY", "*"), ("N/A", "N/A"), ("NOT APPLICABLE", "N/A"),
    ("true", "T"), ("4294967295", "-1.0"), (".5", "0.5"),
])
def test_condition(raw, conditioned):
    assert patterns.condition(raw) == conditioned


@pytest.mark.parametrize("pattern, value, accepted", [
    ("A|ABCD|AD", "AD", True), ("A|ABCD|AD", "B", False), ("*", "X", True), ("N/A", "X", True),
    ("1062", "1062.0", True), ("FR*", "FR533N", True), ("FR*", "F555W", False),
    ("# >7600 and <=10000 #", "8000.0", True), ("# >7600 and <=10000 #", "7600.0", False),
    ("BETWEEN 1055 1097", "1055.0", True), ("BETWEEN 1055 1097", "1097.0", False),
    ("NOT MIR_IMAGE", "MIR_LRS", True), ("NOT MIR_IMAGE", "MIR_IMAGE", False),
    ("(F1.*)", "F140W", True), ("{X|Y}", "X|Y", True),
])
def test_accepts(pattern, value, accepted):
    assert patterns.accepts(pattern, value) is accepted


@pytest.mark.parametrize("pattern", ["A|B", "# >3000 and <=4200 #", "BETWEEN 1105 1624", "FR*", "(F1|F2)"])
def test_examples_satisfy_their_pattern(pattern):
    found = patterns.examples(pattern)
    assert found
    assert all(patterns.accepts(pattern, value) for value in found)


def test_examples_of_free_pattern_are_empty():
    assert patterns.examples("*") == [] and patterns.examples("N/A") == []
