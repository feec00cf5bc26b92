"""Parsed mappings on disk (crds_batch.rules.parse_cache): what is read back is what the parser gives."""
from __future__ import annotations

import json
import os
import random
from pathlib import Path

import dask.config
import pytest

from crds_batch.errors import MappingFormatError
from crds_batch.rules import parse_cache
from crds_batch.rules.parse_cache import cached_parse
from crds_batch.rules.parsing import parse_mapping

from ..conftest import CACHE


@pytest.fixture
def cache(tmp_path):
    directory = tmp_path / "parsed"
    with dask.config.set({"crds_batch.parse-cache": str(directory)}):
        yield directory


def _entries(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.json")) if directory.exists() else []


def _same(found, expected) -> None:
    """Equal as values and as types (repr tells a tuple from a list, 1 from 1.0 and True)."""
    assert found.name == expected.name and found.text == expected.text
    assert repr(found.header) == repr(expected.header)
    assert repr(found.selector) == repr(expected.selector)
    assert repr(found.comment) == repr(expected.comment)


def _sample_mappings(count: int) -> list[Path]:
    paths = sorted(p for p in (CACHE / "mappings").rglob("*") if p.suffix in (".pmap", ".imap", ".rmap"))
    by_observatory: dict[str, list[Path]] = {}
    for path in paths:
        by_observatory.setdefault(path.parent.name, []).append(path)
    rng = random.Random(5)
    chosen = []
    for group in by_observatory.values():  # every observatory, every kind of mapping
        chosen += rng.sample(group, min(len(group), count // len(by_observatory)))
    return chosen


def test_entries_read_back_as_the_parser_gives_them(cache):
    paths = _sample_mappings(600)
    assert {p.suffix for p in paths} == {".pmap", ".imap", ".rmap"}
    assert {p.parent.name for p in paths} >= {"hst", "jwst", "roman"}
    texts = set()
    for path in paths:
        text = path.read_text()
        try:
            expected = parse_mapping(text, path.name)
        except MappingFormatError:
            continue
        texts.add(text)
        _same(cached_parse(text, path.name), expected)  # parsed, stored
        entry = parse_cache._read_entry(parse_cache._entry_path(str(cache), text), text, path.name)
        assert entry is not None, path.name  # stored, and it decodes
        _same(entry, expected)
        _same(cached_parse(text, path.name), expected)  # read back
    assert len(_entries(cache)) == len(texts) > 300  # an entry per text


RMAP = """header = {
    'mapping' : 'REFERENCE', 'name' : 'hst_acs_biasfile_test.rmap', 'parkey' : (('DETECTOR',), ('DATE-OBS', 'TIME-OBS')),
    'observatory' : 'HST', 'instrument' : 'ACS', 'filekind' : 'BIASFILE', 'derived_from' : 'x', 'flag' : True,
    'number' : 1, 'ratio' : 1.0, 'nothing' : None, 'list' : ['a', ('b', -2)],
}

comment = 'a comment'

selector = Match({
    ('HRC',) : UseAfter({
        '1991-01-01 00:00:00' : 'a.fits',
        '1992-01-01 00:00:00' : ('b.fits', 'c.fits'),
    }),
    ('WFC|SBC',) : 'N/A',
})
"""


def test_an_entry_that_does_not_decode_is_parsed_again_and_replaced(cache):
    expected = parse_mapping(RMAP, "test.rmap")
    cached_parse(RMAP, "test.rmap")
    [entry] = _entries(cache)
    good = entry.read_text()
    selector_renamed = good.replace('"s","Match"', '"s","Exec"')
    assert selector_renamed != good
    for bad in (good[:len(good) // 2], "", "{}", "[1, 2]", selector_renamed, '[["d",[["l"],1]],{},null]',
                json.dumps([["q"], ["d"], None]), "\0\xff"):
        entry.write_text(bad, encoding="utf-8", errors="surrogateescape")
        _same(cached_parse(RMAP, "test.rmap"), expected)
        assert entry.read_text() == good  # written again


def test_a_changed_text_is_another_entry(cache):
    cached_parse(RMAP, "test.rmap")
    changed = RMAP.replace("b.fits", "d.fits")
    found = cached_parse(changed, "test.rmap")
    assert found.selector.table[0][1].table[1][1] == ("d.fits", "c.fits")
    assert len(_entries(cache)) == 2


def test_entries_are_used(cache):
    """A stored entry is what the next parse returns (shown by an entry edited to say something else)."""
    cached_parse(RMAP, "test.rmap")
    [entry] = _entries(cache)
    entry.write_text(entry.read_text().replace('"a comment"', '"from the entry"'))
    assert cached_parse(RMAP, "test.rmap").comment == "from the entry"


def test_failures_are_not_stored(cache):
    for _ in range(2):
        with pytest.raises(MappingFormatError, match="bad.rmap"):
            cached_parse("header = {}\nselector = __import__('os')", "bad.rmap")
    assert _entries(cache) == []


def test_no_entries_when_off_or_unwritable(tmp_path):
    expected = parse_mapping(RMAP, "test.rmap")
    for off in (False, "false", ""):
        with dask.config.set({"crds_batch.parse-cache": off}):
            assert parse_cache.cache_directory() is None
            _same(cached_parse(RMAP, "test.rmap"), expected)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with dask.config.set({"crds_batch.parse-cache": str(blocker / "parsed")}):
        _same(cached_parse(RMAP, "test.rmap"), expected)
    assert os.listdir(tmp_path) == ["a-file"]


def test_the_default_directory_is_the_users_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with dask.config.set({"crds_batch.parse-cache": None}):
        assert parse_cache.cache_directory() == str(tmp_path / "crds-batch" / "parsed")
        cached_parse(RMAP, "test.rmap")
    assert len(_entries(tmp_path / "crds-batch" / "parsed")) == 1
