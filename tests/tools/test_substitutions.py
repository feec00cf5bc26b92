"""HST header substitutions for rmap updates: our data equals crds's files, and applies as crds applies it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crds_batch.observatories.substitutions import expand_wildcards

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.oracle
def test_data_is_what_the_script_makes_from_the_installed_crds():
    made = subprocess.run([sys.executable, str(REPO / "scripts" / "regenerate_substitutions.py")],
                          capture_output=True, text=True, check=True).stdout
    kept = (REPO / "crds_batch" / "observatories" / "substitutions.json").read_text()
    assert json.loads(made) == json.loads(kept)


@pytest.mark.oracle
@pytest.mark.parametrize("header", [
    {"DETECTOR": "HRC", "CCDAMP": "ANY", "CCDGAIN": "-1"},
    {"DETECTOR": "WFC", "APERTURE": "ANY_FULL", "DATE_OBS": "2017-01-01"},
    {"DETECTOR": "WFC", "APERTURE": "ANY_FULL"},  # no DATE_OBS: the condition cannot hold
    {"DETECTOR": "SBC", "FILTER1": "ANY", "OBSTYPE": "SPECTROSCOPIC"},
])
def test_expansion_as_crds(header):
    from crds.core.substitutions import ReferenceHeaderExpanders

    required = sorted(header)
    theirs = ReferenceHeaderExpanders.load("hst")["acs"].expand(header, required)
    assert expand_wildcards("hst", "ACS", header, required) == theirs


def test_only_required_parameters_are_expanded():
    header = {"DETECTOR": "HRC", "CCDAMP": "ANY"}
    assert expand_wildcards("hst", "acs", header, ["DETECTOR"]) == header
    assert expand_wildcards("jwst", "miri", {"META.INSTRUMENT.DETECTOR": "ANY"}, ["META.INSTRUMENT.DETECTOR"]) == {
        "META.INSTRUMENT.DETECTOR": "ANY"}
