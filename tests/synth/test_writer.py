"""Save files: the CRDS .json form, read back by crds itself."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from crds_batch.errors import CrdsBatchError
from crds_batch.synth import frame_params, generate, save_lines, write_save


def test_lines_leave_out_absent_values():
    frame = pd.DataFrame({"dataset_id": ["A:A", "B:B"], "INSTRUME": ["ACS", "ACS"], "X": ['q"uote', None]})
    lines = save_lines(frame)
    assert [json.loads(line) for line in lines] == [{"A:A": {"INSTRUME": "ACS", "X": 'q"uote'}},
                                                     {"B:B": {"INSTRUME": "ACS"}}]


def test_write_save_streams_all_chunks(tmp_path):
    path = tmp_path / "out.json"
    frames = list(generate("hst_0729.pmap", 120, seed=1, chunk_size=50))
    assert write_save(iter(frames), path) == 120
    lines = path.read_text().splitlines()
    assert len(lines) == 120
    expected = {}
    for frame in frames:
        expected.update(frame_params(frame))
    loaded = {}
    for line in lines:
        loaded.update(json.loads(line))
    assert loaded == expected


def test_write_save_wants_json(tmp_path):
    with pytest.raises(CrdsBatchError):
        write_save([], tmp_path / "out.pkl")


@pytest.mark.oracle
def test_crds_reads_our_save(tmp_path):
    from crds.bestrefs.headers import load_bestrefs_headers

    path = tmp_path / "out.json"
    frames = list(generate("jwst_0541.pmap", 60, seed=2))
    write_save(frames, path)
    expected = {}
    for frame in frames:
        expected.update(frame_params(frame))
    assert load_bestrefs_headers(str(path)) == expected
