"""Dataset ids stay unique whatever their length; absurdly long ids are refused, never a reason to skip checks."""
from __future__ import annotations

import json

import pyarrow as pa
import pytest

from crds_batch.store import Store, ingest
from crds_batch.store.blocks import id_hashes
from crds_batch.store.schema import MAX_ID_CHARS

from .conftest import acs


@pytest.mark.parametrize("length", [10, 4095, 4096, 4097, 20000])
def test_hashes_of_long_ids_are_hashes(length):
    base = "X" * length
    other = base[:-1] + "Y"
    hashes = id_hashes(pa.array([base, other, base, "short"]))
    assert hashes[0] == hashes[2]  # equal ids, equal hashes: the duplicate check sees them
    assert len(set(hashes.tolist())) == 3


def test_hash_does_not_depend_on_the_neighbours():
    long_id, short = "L" * 5000, "J0000001Q:J0000001Q"
    assert id_hashes(pa.array([short]))[0] == id_hashes(pa.array([long_id, short]))[1]


def _write(path, lines):
    path.write_text("".join(json.dumps({i: h}) + "\n" for i, h in lines))
    return str(path)


@pytest.mark.parametrize("workers", [1, 2])
def test_long_id_refused_and_duplicates_still_merged(tmp_path, workers):
    same_id, header = acs(1)
    save = _write(tmp_path / "a.json", [("Q" * 5000, acs(2)[1]), (same_id, header), (same_id, dict(header, X="2"))])
    report = ingest([save], str(tmp_path / "s"), workers=workers)
    ids = Store(report.store).scan(columns=["dataset_id"]).column(0).to_pylist()
    assert ids == [same_id]
    assert report.dataset_error_count == 1
    assert f"longer than {MAX_ID_CHARS} characters" in report.dataset_errors[0]
    assert report.dataset_errors[0].startswith(f"{save}:1: dataset QQQQ")


def test_id_at_the_limit_is_kept(tmp_path):
    longest = "J" * MAX_ID_CHARS
    save = _write(tmp_path / "a.json", [(longest, acs(1)[1]), (longest, acs(1)[1])])
    report = ingest([save], str(tmp_path / "s"), workers=1)
    assert report.ok
    assert Store(report.store).scan(columns=["dataset_id"]).column(0).to_pylist() == [longest]


def test_long_id_in_a_whole_file_save(tmp_path):
    save = tmp_path / "whole.json"
    same_id, header = acs(1)
    save.write_text(json.dumps({"Q" * 5000: header, same_id: header}, indent=1))
    report = ingest([str(save)], str(tmp_path / "s"), workers=1)
    assert report.dataset_error_count == 1
    assert Store(report.store).scan(columns=["dataset_id"]).column(0).to_pylist() == [same_id]
