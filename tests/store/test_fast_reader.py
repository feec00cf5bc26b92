"""The vectorized save reader gives what the careful parser gives, or declines; blocks keep line numbers."""
from __future__ import annotations

import json

import numpy as np
import pyarrow.compute as pc
import pytest

from crds_batch.store import Store, ingest
from crds_batch.store.blocks import id_hashes, plan_blocks
from crds_batch.store.jsonlines import parse_block
from crds_batch.store.rows import headers_to_table
from crds_batch.store.saves import _parse_lines

from .conftest import acs


def careful(data: bytes):
    lines = data.split(b"\n")[:-1]
    batch = _parse_lines("x", lines, 0)
    assert not batch.bad_lines and not batch.bad_datasets
    return headers_to_table(batch.ids, batch.headers)


def by_id(table):
    return table.take(pc.sort_indices(table.column("dataset_id"))).combine_chunks()


def dumps(rows, **kwargs) -> bytes:
    return "".join(json.dumps({i: h}, **kwargs) + "\n" for i, h in rows).encode()


MIXED = [acs(1), ("W1:W1", {"INSTRUME": "WFC3", "DETECTOR": "UVIS", "FILTER": "F606W"}), acs(2, CCDAMP="A"),
         ("C1:C1", {"INSTRUME": "COS", "OPT_ELEM": "G130M", "DETECTOR": "FUV"}), ("J1:J1", {"detector": "wfc"})]


@pytest.mark.parametrize("rows, kwargs", [
    (MIXED, {}),
    (MIXED, {"separators": (",", ":")}),
    ([acs(1), acs(1, CCDAMP="B")], {}),  # same id twice: both rows, in line order
    ([("X:X", {"INSTRUME": "ACS", "NOTE": "caf\u00e9 \u2603"})], {"ensure_ascii": False}),
    ([("X:X", {"INSTRUME": "ACS", "caf\u00e9": "1", "A": "2"}), ("Y:Y", {"instrume": "ACS", "a": "3"})],
     {"ensure_ascii": False}),  # keys of at most 8 bytes, compared as words
    ([("X:X", {"META.INSTRUMENT.NAME": "NIRCAM", "INSTRUME": "ACS"}), ("Y:Y", {"meta.instrument.name": "MIRI"})],
     {}),  # longer keys
])
def test_fast_reader_equals_careful(rows, kwargs):
    data = dumps(rows, **kwargs)
    fast = parse_block(data)
    assert fast is not None
    expected = careful(data)
    assert fast.column_names == expected.column_names
    assert by_id(fast).equals(by_id(expected))
    assert fast.column("dataset_id").to_pylist() == [i for i, _ in rows]


@pytest.mark.parametrize("data", [
    b'{"A:A": {"INSTRUME": "ACS", "N": 2}}\n',  # a number: conditioned by the careful path
    b'{"A:A": {"INSTRUME": "ACS", "N": null}}\n',
    b'{"A:A": {"INSTRUME": "ACS", "N": "x\\"y"}}\n',  # an escape
    b'{"A:A": {"INSTRUME": "ACS", "instrume": "WFC3"}}\n',  # keys equal but for case
    b'{"A:A": {"INSTRUME": "ACS", "INSTRUME": "WFC3"}}\n',  # a key twice
    b'{"A:A": {}}\n',
    b'{"A:A": {"INSTRUME": "ACS"}}\n\n',  # a blank line
    b'{"A:A": {"INSTRUME": "ACS"}}\r\n',
    b'{"A:A": {"INSTRUME", "ACS"}}\n',  # not JSON
    b'{"A:A": {"INSTRUME": "ACS"}, "B:B": {"INSTRUME": "ACS"}}\n',  # two datasets on a line
    b'{"A:A": {"INSTRUME": "AC\xffS"}}\n',  # not UTF-8
    b'{"A:A": {"INSTRUME": "A\tCS"}}\n',  # a control character in a string
    b'{"A:A": "error text"}\n',
])
def test_fast_reader_declines_other_shapes(data):
    assert parse_block(data) is None


def test_blocks_end_at_newlines(tmp_path):
    path = tmp_path / "a.json"
    path.write_bytes(dumps([acs(i) for i in range(100)]) + b'{"L:L": {"INSTRUME": "ACS"}}')  # no final newline
    blocks = list(plan_blocks(str(path), 1000))
    assert blocks[0][0] == 0 and sum(length for _, length in blocks) == path.stat().st_size
    data = path.read_bytes()
    assert all(data[start + length - 1:start + length] == b"\n" for start, length in blocks[:-1])


def test_id_hashes_equal_for_equal_ids():
    import pyarrow as pa

    ids = pa.array(["J1:J1", "J2:J2", "", "J1:J1", "x" * 300, "J1:J2"])
    hashes = id_hashes(ids)
    assert hashes[0] == hashes[3] and len(set(hashes.tolist())) == 5
    assert np.array_equal(id_hashes(ids.slice(3)), hashes[3:])


def test_parallel_blocks_report_absolute_line_numbers_and_merge(tmp_path):
    rows = [json.dumps(dict([acs(i)])) for i in range(3000)]
    rows[1500] = '{"broken": '
    rows[2999] = json.dumps({"J0000007Q:J0000007Q": {"INSTRUME": "ACS", "CCDAMP": "LAST"}})
    save = tmp_path / "a.json"
    save.write_text("\n".join(rows) + "\n")
    report = ingest([str(save)], str(tmp_path / "s"), batch_bytes=20_000, workers=2)
    assert report.skipped_line_count == 1 and report.skipped_lines[0].startswith(f"{save}:1501: invalid JSON")
    assert report.datasets == 2998  # 3000 lines, one bad, one repeating an id
    table = Store(report.store).scan(only_ids=["J0000007Q"], columns=["dataset_id", "CCDAMP", "DETECTOR"])
    assert table.to_pylist() == [{"dataset_id": "J0000007Q:J0000007Q", "CCDAMP": "LAST", "DETECTOR": None}]


def test_pieces_of_a_block_keep_line_numbers_order_and_columns(tmp_path, monkeypatch):
    from crds_batch.store import blocks
    from crds_batch.store.values import as_parameter

    monkeypatch.setattr(blocks, "PIECE_BYTES", 700)  # several pieces per block, fast and careful ones mixed
    rows = [json.dumps(dict([acs(i)])) for i in range(60)]
    rows[25] = '{"broken": '
    rows[40] = json.dumps({"W1:W1": {"INSTRUME": "WFC3", "FILTER": "F606W", "N": 2}})  # conditioned carefully
    rows[59] = json.dumps({"J0000003Q:J0000003Q": {"INSTRUME": "ACS", "CCDAMP": "LAST"}})
    save = tmp_path / "a.json"
    save.write_text("\n".join(rows) + "\n")
    result = blocks.stage_block(str(save), 0, save.stat().st_size)
    assert result.lines == 60 and result.datasets == 59
    result.relocate(str(save), 0)
    assert len(result.bad_lines) == 1 and result.bad_lines[0].startswith(f"{save}:26: invalid JSON")
    parts = {ins: table for _, ins, table in result.parts}
    assert parts["wfc3"].select(["FILTER", "N"]).to_pylist() == [{"FILTER": "F606W", "N": as_parameter(2)}]
    ids = parts["acs"].column("dataset_id").to_pylist()
    assert ids[-1] == "J0000003Q:J0000003Q" and len(ids) == 58 and ids[:3] == [acs(i)[0] for i in range(3)]
    assert len(result.hashes) == 59


@pytest.mark.parametrize("rows", [MIXED, [acs(1), acs(2)], [("J1:J1", {"detector": "wfc"})]])
def test_fast_reader_parts_equal_partitioned_table(rows):
    from crds_batch.store.blocks import partition, partition_keys

    data = dumps(rows)
    parts = parse_block(data, partition_keys)
    expected = partition(careful(data))
    assert [(o, i) for o, i, _ in parts] == [(o, i) for o, i, _ in expected]
    for (_, _, got), (_, _, want) in zip(parts, expected):
        assert got.column_names == want.column_names
        assert got.combine_chunks().equals(want.combine_chunks())
