"""Hostile and broken mappings: one line naming the file, never a traceback or a hang (issue 17 items 6, 8).

A seeded campaign of mutants of real pmaps, imaps and rmaps (tests/rules/mapping_fuzz.py) runs in
the default suite (a few hundred) and under ``-m slow`` (thousands). Where crds loads and validates an
rmap, we load it too. For pmaps and imaps crds checks headers and children only when they are used;
we check them when the file is loaded (refusing earlier, never later).
"""
from __future__ import annotations

import pytest

from crds_batch.errors import CrdsBatchError, MappingError
from crds_batch.rules.loading import clear_cache, load_mapping
from tests.conftest import CACHE

from .mapping_fuzz import mutants


@pytest.fixture
def ignore_checksums(monkeypatch):
    monkeypatch.setenv("CRDS_IGNORE_MAPPING_CHECKSUM", "1")
    clear_cache()
    yield
    clear_cache()


def crds_accepts(directory, name) -> bool:
    from crds.core import rmap

    classes = {".rmap": rmap.ReferenceMapping, ".imap": rmap.InstrumentContext, ".pmap": rmap.PipelineContext}
    try:
        mapping = classes[name[-5:]].from_file(name, path=str(directory), ignore_checksum=True)
        mapping.validate_mapping()
    except Exception:
        return False
    return True


def run_campaign(seed, count, tmp_path):
    outcomes = {}
    for index, mutant in enumerate(mutants(seed, count)):
        directory = tmp_path / str(index)
        directory.mkdir()
        (directory / mutant.name).write_bytes(mutant.data)
        clear_cache()
        try:
            load_mapping(str(directory / mutant.name))
            ours = "load"
        except CrdsBatchError as exc:
            ours = "refuse"
            assert "\n" not in str(exc) and mutant.name in str(exc), (mutant.kind, str(exc))
        if mutant.name.endswith(".rmap") and crds_accepts(directory, mutant.name):
            assert ours == "load", (index, mutant.kind, mutant.data[:2000])
        outcomes[(mutant.kind, ours)] = outcomes.get((mutant.kind, ours), 0) + 1
    return outcomes


@pytest.mark.oracle
@pytest.mark.timeout(600)
def test_fuzzed_mappings_default_campaign(tmp_path, ignore_checksums):
    outcomes = run_campaign(17, 240, tmp_path)
    assert sum(outcomes.values()) == 240
    assert {kind for kind, ours in outcomes if ours == "refuse"} >= {"non_utf8", "truncate", "arithmetic"}


@pytest.mark.slow
@pytest.mark.oracle
@pytest.mark.timeout(3600)
def test_fuzzed_mappings_long_campaign(tmp_path, ignore_checksums):
    assert sum(run_campaign(18, 3000, tmp_path).values()) == 3000


RMAP = (CACHE / "mappings" / "hst" / "hst_acs_darkfile_0250.rmap").read_text()
IMAP = (CACHE / "mappings" / "hst" / "hst_acs_0421.imap").read_text()
PMAP = (CACHE / "mappings" / "hst" / "hst_0729.pmap").read_text()

HOSTILE = {
    "huge arithmetic": ("hst_acs_darkfile_0250.rmap",
                        RMAP.replace("'HRC'", "'IMAGE' + 'x' * 3000000000", 1), "illegal expression BinOp"),
    "900 chained +": ("hst_acs_darkfile_0250.rmap",
                      RMAP.replace("'HRC'", " + ".join(["'a'"] * 900), 1), "illegal expression BinOp"),
    "non-UTF-8 byte": ("hst_acs_darkfile_0250.rmap", RMAP.replace("'HRC'", "'H\udcffRC'", 1), "not UTF-8"),
    "imap child is an int": ("hst_acs_0421.imap",
                             IMAP.replace("'hst_acs_biasfile_0345.rmap'", "5", 1), "is not a .rmap name"),
    "imap names itself": ("hst_acs_0421.imap",
                          IMAP.replace("'hst_acs_biasfile_0345.rmap'", "'hst_acs_0421.imap'", 1),
                          "is not a .rmap name"),
    "pmap names itself": ("hst_0729.pmap", PMAP.replace("'hst_acs_0421.imap'", "'hst_0729.pmap'", 1),
                          "is not a .imap name"),
    "list as a key": ("hst_acs_darkfile_0250.rmap", RMAP.replace("('HRC', 'A|ABCD|AD|B|BC|C|D', '1.0|2.0|4.0|8.0')", "([1], 'A', '1.0')", 1), "cannot be a key"),
    "deep nesting": ("hst_acs_darkfile_0250.rmap", RMAP.replace("'HRC'", "-" * 5000 + "1", 1),
                     "nested"),
    "deep brackets": ("hst_acs_darkfile_0250.rmap", RMAP.replace("'HRC'", "[" * 5000 + "]" * 5000, 1),
                      "syntax error"),
    "instrument REFERENCE": ("hst_acs_darkfile_0250.rmap",
                             RMAP.replace("'instrument' : 'ACS'", "'instrument' : 'REFERENCE'"),
                             "invalid instrument 'REFERENCE'"),
    "filekind dict": ("hst_acs_darkfile_0250.rmap", RMAP.replace("'filekind' : 'DARKFILE'", "'filekind' : {}"),
                      "invalid filekind {}"),
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_mapping_is_one_line(case, tmp_path, ignore_checksums):
    name, text, fault = HOSTILE[case]
    assert text != {"hst_acs_darkfile_0250.rmap": RMAP, "hst_acs_0421.imap": IMAP, "hst_0729.pmap": PMAP}[name]
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(MappingError) as info:
        load_mapping(str(path))
    message = str(info.value)
    assert "\n" not in message and name in message and fault in message, message
