"""Loading mappings: lazy sharing, closures, one-line errors for broken files, code refused unrun."""
from __future__ import annotations

import pickle

import pytest

from crds_batch.errors import MappingError
from crds_batch.rules.loading import load_context, load_mapping
from crds_batch.rules.mappings import InstrumentContext, PipelineContext, ReferenceMapping
from tests.conftest import CACHE, TEST_DATA

from .tiny_cache import make_cache, rmap, with_checksum

BROKEN = {
    "hst/hst_acs_darkfile_badexpr.rmap": "invalid expression",
    "hst/hst_acs_darkfile_missing_key.rmap": "Required header key 'mapping' is missing",
    "hst/hst-bad-xsum.rmap": "sha1sum mismatch",
    "hst/hst-missing-xsum.rmap": "sha1sum is missing",
    "hst/hst_missing_parkey.rmap": "'parkey' is missing",
    "hst/hst_cos_dup.rmap": "sha1sum",
    "roman/roman_wfi_flat_0004_duplicate.rmap": "sha1sum",
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_mapping_is_one_line_naming_the_file(name):
    with pytest.raises(MappingError) as info:
        load_mapping(str(TEST_DATA / name))
    message = str(info.value)
    assert "\n" not in message
    assert name.split("/")[-1] in message
    assert BROKEN[name] in message


def test_context_loads_lazily_and_is_shared():
    context = load_context("hst_0729.pmap")
    assert isinstance(context, PipelineContext)
    assert load_context("hst_0729.pmap") is context
    imap = context.get_imap("ACS")
    assert isinstance(imap, InstrumentContext)
    assert context.get_imap("acs") is imap
    rmap_ = imap.child("darkfile")
    assert isinstance(rmap_, ReferenceMapping)
    # the same rmap file is one object wherever it is referenced
    assert load_mapping(rmap_.basename) is rmap_


def test_pickle_reloads_by_name():
    context = load_context("hst_0729.pmap")
    assert pickle.loads(pickle.dumps(context)) is context
    assert len(pickle.dumps(context)) < 500


@pytest.mark.oracle
def test_closures_match_crds():
    import crds

    ours = load_context("hst_0729.pmap").get_imap("WFC3")
    theirs = crds.get_cached_mapping("hst_0729.pmap").get_imap("wfc3")
    assert ours.mapping_names() == sorted(theirs.mapping_names())
    assert ours.reference_names() == sorted(theirs.reference_names())


INJECTIONS = {
    "call": "selector = Match({('A',) : __import__('os').system('touch {marker}')})\n",
    "attribute": "selector = Match({('A',) : os.path})\n",
    "lambda": "selector = Match({('A',) : (lambda: open('{marker}', 'w'))()})\n",
    "statement": "import os\nselector = Match({('A',) : 'x.fits'})\n",
    "expression": None,
}


@pytest.mark.parametrize("kind", sorted(INJECTIONS))
def test_code_in_mapping_is_refused_and_not_run(kind, tmp_path, monkeypatch):
    root = make_cache(tmp_path / "cache", CACHE)
    marker = tmp_path / "ran"
    name = f"hst_inject{kind}_acs_darkfile.rmap"
    if INJECTIONS[kind] is None:
        text = rmap("(('DETECTOR',),)", "Match({('A',) : 'x.fits'})",
                    "    'rmap_relevance' : '(__import__(\"os\").system(\"touch %s\"))',\n" % marker)
        text = text.replace("@NAME@", name).replace("@FILEKIND@", "DARKFILE").replace("@INSTRUMENT@", "ACS")
    else:
        header = rmap("(('DETECTOR',),)", "None").split("selector")[0]
        header = header.replace("@NAME@", name).replace("@FILEKIND@", "DARKFILE").replace("@INSTRUMENT@", "ACS")
        text = header + INJECTIONS[kind].replace("{marker}", str(marker))
    (root / "mappings" / "hst" / name).write_text(with_checksum(text))
    monkeypatch.setenv("CRDS_PATH", str(root))
    with pytest.raises(MappingError) as info:
        load_mapping(name)
    assert "\n" not in str(info.value)
    assert not marker.exists()


def test_ignore_checksum_env(monkeypatch):
    path = str(TEST_DATA / "hst" / "hst-bad-xsum.rmap")
    with pytest.raises(MappingError):
        load_mapping(path)
    monkeypatch.setenv("CRDS_IGNORE_MAPPING_CHECKSUM", "1")
    assert isinstance(load_mapping(path), ReferenceMapping)
