"""The rules bundle: mapping texts for the workers, with the client's parses so that workers need not parse again."""
from __future__ import annotations

import pickle

import pytest
from dask.base import tokenize

from crds_batch.batch import rules_bundle
from crds_batch.batch.rules_bundle import RulesBundle, install, load_from_bundle
from crds_batch.errors import MappingFormatError
from crds_batch.rules import parsing
from crds_batch.rules.loading import clear_cache, instrument_closure, load_context
from crds_batch.rules.parsing import parse_mapping_once


@pytest.fixture
def fresh_process_state(monkeypatch):
    """As in a new worker process: no parse remembered, no bundle installed, no mapping loaded."""
    monkeypatch.setattr(parsing, "_PARSED", {})
    monkeypatch.setattr(rules_bundle, "_installed", {})
    clear_cache()
    yield
    clear_cache()


def test_the_bundle_carries_the_clients_parses_and_a_worker_uses_them(fresh_process_state):
    names = instrument_closure(load_context("hst_0729.pmap"), "acs")
    bundle = RulesBundle.from_names(names)
    assert {parsed.name for parsed in bundle.parsed} == {name for name, _text in bundle.files}
    assert all(parsed.text == dict(bundle.files)[parsed.name] for parsed in bundle.parsed)
    shipped = pickle.loads(pickle.dumps(bundle))
    parsing._PARSED.clear()  # the worker's process
    install(shipped)
    for parsed in shipped.parsed:
        assert parse_mapping_once(parsed.text, parsed.name) is parsed, "remembered, not parsed again"


def test_a_bundle_without_parses_still_loads(fresh_process_state):
    bundle = RulesBundle.from_names(["hst_0729.pmap", "hst_acs_0390.imap"])
    assert bundle.parsed == ()  # nothing parsed in this process yet
    context = load_from_bundle(bundle, "hst_0729.pmap")
    assert context.path.startswith(install(bundle)) and context.get_imap("acs").instrument.lower() == "acs"


def test_dask_names_the_bundle_by_its_digest():
    bundle = RulesBundle.from_names(["hst_0729.pmap"])
    assert tokenize(bundle) == tokenize(RulesBundle.from_names(["hst_0729.pmap"]))
    assert bundle.__dask_tokenize__() == bundle.digest


def test_parses_are_shared_and_refusals_repeat(fresh_process_state):
    text = open(load_context("hst_0729.pmap").path, encoding="utf-8").read()
    first = parse_mapping_once(text, "hst_0729.pmap")
    assert parse_mapping_once(text, "hst_0729.pmap") is first
    assert parse_mapping_once(text, "other.pmap") is not first  # the name is part of the parse
    for _ in range(2):
        with pytest.raises(MappingFormatError, match="broken.rmap"):
            parse_mapping_once("header = {", "broken.rmap")


def test_remembered_parses_are_bounded(fresh_process_state, monkeypatch):
    monkeypatch.setattr(parsing, "PARSED_MAX", 3)
    for number in range(10):
        parse_mapping_once(f"header = {{'n': {number}}}\nselector = {{}}\n", f"m{number}.imap")
        assert len(parsing._PARSED) <= 3
