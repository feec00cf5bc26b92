"""Saves built to hurt: values nested 1,000 deep, a line with 10,000 parameters (issue 17 items 10, 11)."""
from __future__ import annotations

import json

import pytest

from crds_batch.cli.main import main
from crds_batch.store import Store, ingest
from crds_batch.synth import generate, write_save


@pytest.fixture(scope="module")
def lines(tmp_path_factory):
    save = tmp_path_factory.mktemp("hostile") / "hst.json"
    write_save(generate("hst_0729.pmap", 3, seed=5), str(save))
    return save.read_text().splitlines()


def test_deeply_nested_value_is_one_dataset_error(lines, tmp_path, capfd):
    deep = json.loads(lines[1])
    (dataset_id, header), = deep.items()
    text = json.dumps({dataset_id: header})[:-2] + ', "DEEP": ' + "[" * 1000 + "]" * 1000 + "}}"
    save = tmp_path / "deep.json"
    save.write_text("\n".join([lines[0], text, lines[2]]) + "\n")
    report = ingest([str(save)], str(tmp_path / "store"))
    assert report.datasets == 2 and report.dataset_error_count == 1
    assert f"dataset {dataset_id}: parameter 'DEEP' is nested more than 32 levels deep" in report.dataset_errors[0]
    code = main(["ingest", str(save), "--store", str(tmp_path / "store2")])
    err = capfd.readouterr().err
    assert "Traceback" not in err and "nested more than 32 levels deep" in err and code in (0, 1)


@pytest.mark.timeout(45)  # quadratic in the keys it took 98 s; linear, a few seconds
def test_a_line_with_ten_thousand_parameters_ingests(lines, tmp_path):
    wide = json.loads(lines[0])
    (dataset_id, header), = wide.items()
    header.update({f"K{i}": str(i) for i in range(10_000)})
    save = tmp_path / "wide.json"
    save.write_text("\n".join([json.dumps({dataset_id: header})] + lines[1:]) + "\n")
    report = ingest([str(save)], str(tmp_path / "store"), workers=1)
    assert report.datasets == 3
    row = Store(str(tmp_path / "store")).scan(as_pandas=True).set_index("dataset_id").loc[dataset_id]
    assert row["K9999"] == "9999"


def test_tiny_configured_partitions_are_raised_to_the_floor(tmp_path, monkeypatch):
    """DASK_CRDS_BATCH__PARTITION_ROWS=10 made 2,000 tasks of fixed cost for 20,000 rows (177 s)."""
    import dask.config

    from crds_batch.store.store import MIN_PARTITION_ROWS

    save = tmp_path / "hst.json"
    write_save(generate("hst_0729.pmap", 300, seed=9), str(save))
    ingest([str(save)], str(tmp_path / "store"), row_group_size=10)
    store = Store(str(tmp_path / "store"))
    with dask.config.set({"crds_batch.partition-rows": 10}):
        configured = store.row_groups()
    assert len(store.row_groups(partition_rows=10)) >= 30  # an explicit size is kept (tests, tuning)
    assert len(configured) == len(store.row_groups(partition_rows=MIN_PARTITION_ROWS)) < 10


@pytest.mark.parametrize("command", [
    ["export", "--store", "{store}", "--save-pickle", "{out}"],
    ["check-context", "--new-context", "hst_0729.pmap", "--params", "{store}", "--no-cluster"],
    ["affected", "--old-context", "hst_0650.pmap", "--new-context", "hst_0729.pmap", "--params", "{store}",
     "--all-types", "--no-cluster"],
])
def test_truncated_parquet_file_in_a_store_is_one_line(command, tmp_path, capfd):
    save = tmp_path / "hst.json"
    write_save(generate("hst_0729.pmap", 200, seed=4), str(save))
    ingest([str(save)], str(tmp_path / "store"))
    damaged = Store(str(tmp_path / "store")).files()[0]
    with open(damaged, "r+b") as handle:
        handle.truncate(300)
    out = tmp_path / "out.json"
    code = main([word.format(store=tmp_path / "store", out=out) for word in command])
    err = capfd.readouterr().err.strip().splitlines()
    assert code == 3 and not out.exists()
    assert err[-1].startswith("ERROR: ") and "the store is damaged: ingest it again" in err[-1], err[-3:]
    assert not any("Traceback" in line for line in err)
