"""json -> store -> json, merges by dataset id, selections."""
from __future__ import annotations

import json
import os
import pickle

import pandas as pd
import pyarrow.parquet as pq
import pytest

from crds_batch.store import Selection, Store, export, ingest, open_params

from .conftest import acs, write_lines


def load(path):
    out = {}
    with open(path) as handle:
        for line in handle:
            out.update(json.loads(line))
    return out


def test_json_store_json_equal(tmp_path, small_save):
    report = ingest([small_save], str(tmp_path / "store"))
    assert report.ok and report.datasets == 50
    export(str(tmp_path / "store"), str(tmp_path / "out.json"))
    assert load(tmp_path / "out.json") == load(small_save)
    # crds writes sorted ids, one json.dumps object a line; so do we.
    assert (tmp_path / "out.json").read_text() == open(small_save).read()


def test_real_saves_round_trip(tmp_path, test_data_dir):
    for name in ["test_cos.json", "bestrefs.special.json", "bestrefs_dnr_fix.json", "canary.json"]:
        source = str(test_data_dir / "hst" / name)
        store = tmp_path / name
        assert ingest([source], str(store)).ok
        export(str(store), str(tmp_path / f"{name}.out.json"))
        assert load(tmp_path / f"{name}.out.json") == load(source)


def test_whole_file_object_and_update_order(tmp_path, test_data_dir):
    first, update = test_data_dir / "hst" / "test_cos.json", test_data_dir / "hst" / "test_cos_update.json"
    ingest([str(first), str(update)], str(tmp_path / "s"))
    table = Store(str(tmp_path / "s")).scan(columns=["dataset_id", "BADTTAB", "GSAGTAB", "instrument"])
    assert table.to_pylist() == [{"dataset_id": "LCE31SW6Q:LCE31SW6Q", "BADTTAB": "FOO_BADT.FITS",
                                  "GSAGTAB": "BAR_GSAG.FITS", "instrument": "cos"}]


def test_later_sources_win_parameter_by_parameter_and_reingest(tmp_path):
    base = write_lines(tmp_path / "a.json", [acs(1), acs(2)])
    partial = write_lines(tmp_path / "b.json", [("J0000001Q:J0000001Q", {"DARKFILE": "new_drk.fits"})])
    store = str(tmp_path / "s")
    ingest([base], store)
    report = ingest([partial], store)  # re-ingest: the store is the earlier source
    assert report.ok and report.datasets == 2
    rows = {r["dataset_id"]: r for r in Store(store).scan().to_pylist()}
    assert rows["J0000001Q:J0000001Q"]["DARKFILE"] == "new_drk.fits"
    assert rows["J0000001Q:J0000001Q"]["DETECTOR"] == "WFC"  # kept from the first source
    assert rows["J0000002Q:J0000002Q"]["DARKFILE"] == "jref$d00002_drk.fits"


def test_within_one_file_a_later_line_replaces_the_dataset(tmp_path):
    save = write_lines(tmp_path / "a.json", [acs(1, CCDAMP="A"), ("J0000001Q:J0000001Q", {"INSTRUME": "ACS"})])
    ingest([save], str(tmp_path / "s"))
    [row] = Store(str(tmp_path / "s")).scan().to_pylist()
    assert row["INSTRUME"] == "ACS" and row.get("CCDAMP") is None  # as crds's dict.update per line


def test_nonstring_values_conditioned_like_crds(tmp_path):
    save = write_lines(tmp_path / "a.json", [acs(1, CCDGAIN=2, FLAG=True, NAXIS1=4144.0, NOTHING=None)])
    ingest([save], str(tmp_path / "s"))
    [row] = Store(str(tmp_path / "s")).scan().to_pylist()
    assert (row["CCDGAIN"], row["FLAG"], row["NAXIS1"], row["NOTHING"]) == ("2.0", "T", "4144.0", "NONE")
    assert row["DETECTOR"] == "WFC"


def test_pickle_needs_trust(tmp_path, test_data_dir):
    from crds_batch.store import SaveFormatError

    source = str(test_data_dir / "hst" / "test_cos.pkl")
    with pytest.raises(SaveFormatError, match="trust-pickles"):
        ingest([source], str(tmp_path / "s"))
    assert ingest([source], str(tmp_path / "s"), trust_pickles=True).datasets == 1
    export(str(tmp_path / "s"), str(tmp_path / "out.pkl"))
    with open(tmp_path / "out.pkl", "rb") as handle, open(source, "rb") as original:
        assert pickle.load(handle) == pickle.load(original)


def test_selection_scan_and_dask(tmp_path, small_save):
    store = Store(str(ingest([small_save], str(tmp_path / "s"), row_group_size=8).store))
    assert store.instruments() == [("hst", "acs")]
    assert store.scan(only_ids=["j0000003q"], columns=["dataset_id"]).column(0).to_pylist() == ["J0000003Q:J0000003Q"]
    assert store.scan(drop_ids=["J0000003Q"], columns=["dataset_id"]).num_rows == 49
    since = store.scan(datasets_since="2005-09-01", columns=["dataset_id", "timestamp"])
    assert since.num_rows == 5 and set(since.column("timestamp").to_pylist()) == {"2005-09-01 12:00:00"}
    assert store.scan(instruments=["cos"]).num_rows == 0
    frame = store.to_dask(columns=["dataset_id", "DETECTOR", "instrument"], partition_rows=16,
                          datasets_since="2005-05-01")
    assert frame.npartitions == 4
    result = frame.compute(scheduler="sync")
    assert list(result.columns) == ["dataset_id", "DETECTOR", "instrument"]
    assert len(result) == store.scan(datasets_since="2005-05-01").num_rows
    assert set(result["instrument"]) == {"acs"}


def test_ids_from_file(tmp_path, small_save):
    from crds_batch.store import parse_ids

    (tmp_path / "ids").write_text("j0000001q  # one\nJ0000002Q:J0000002Q\n")
    assert parse_ids([f"@{tmp_path / 'ids'}", "x"]) == ["J0000001Q:J0000001Q", "J0000002Q:J0000002Q", "X:X"]
    store = ingest([small_save], str(tmp_path / "s")).store
    out = tmp_path / "o.json"
    export(store, str(out), Selection.of(only_ids=parse_ids([f"@{tmp_path / 'ids'}"])))
    assert sorted(load(out)) == ["J0000001Q:J0000001Q", "J0000002Q:J0000002Q"]


def test_open_params_files_and_store(tmp_path, small_save):
    with open_params([small_save], workdir=str(tmp_path)) as store:
        assert len(store) == 50
        with open_params([store.path]) as again:
            assert again.manifest["generation"] == store.manifest["generation"]
        assert os.path.isdir(store.path), "a store given by the user is never removed"
    assert not os.path.exists(store.path), "the temporary store made from save files is removed"
    assert not [name for name in os.listdir(tmp_path) if name.startswith("crds-batch-params-")]


def test_delayed_partitions_pack_row_groups_across_files(tmp_path, small_save):
    import dask

    with dask.config.set({"crds_batch.ingest-batch-bytes": 4096}):  # several blocks -> several files
        store = Store(str(ingest([small_save], str(tmp_path / "s"), row_group_size=8).store))
    assert len(store.files()) >= 2
    chunks = store.row_groups(partition_rows=20)
    assert any(len({path for path, _ in chunk}) > 1 for chunk in chunks), "a chunk spans files"
    assert all(sum(pq.read_metadata(path).row_group(i).num_rows for path, i in chunk) <= 20 for chunk in chunks)
    parts = store.delayed_partitions(columns=["dataset_id", "DETECTOR"], partition_rows=20,
                                     datasets_since="2005-05-01")
    frames = dask.compute(*parts, scheduler="sync")
    assert len(parts) == len(chunks)
    combined = pd.concat(frames, ignore_index=True)
    expected = store.scan(datasets_since="2005-05-01", columns=["dataset_id", "DETECTOR"]).to_pandas()
    assert sorted(combined["dataset_id"]) == sorted(expected["dataset_id"])
    assert isinstance(combined["DETECTOR"].dtype, pd.StringDtype)
