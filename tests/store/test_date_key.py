"""The stored normalized date (``date_key``): written by every ingest path, read by evaluation, optional.

Ingest keeps each dataset's observation date as the number of its normalized UseAfter text (schema
version 2); an update that changes a dataset's date changes its key; a version-1 store (files without the
column) is still read, and ``affected`` over it gives what it gives over the same store with the keys.
"""
from __future__ import annotations

import glob
import json
import os
import shutil

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crds_batch.batch.affected import run_affected
from crds_batch.batch.cluster import ClusterOptions
from crds_batch.batch.plan import AffectedRequest
from crds_batch.engine.dates import stored_date_keys
from crds_batch.store import Store, ingest
from crds_batch.store import schema as S
from crds_batch.store.encoded_read import read_partition_encoded
from crds_batch.store.layout import StoreError
from crds_batch.synth import generate, write_save

from .conftest import acs, write_lines

NAMES = ("DATE-OBS", "TIME-OBS")
IN_PROCESS = ClusterOptions(synchronous=True)


def _keys_by_id(store: str) -> dict[str, int]:
    table = Store(store).scan(columns=[S.DATASET_ID, S.DATE_KEY])
    return dict(zip(table.column(S.DATASET_ID).to_pylist(), table.column(S.DATE_KEY).to_pylist()))


def test_ingest_stores_the_normalized_dates_and_an_update_recomputes_them(tmp_path):
    rows = [acs(1), acs(2, **{"DATE-OBS": "2005/03/04", "TIME-OBS": "01:02:03"}),
            acs(3, **{"TIME-OBS": "12:00:00.25"}), acs(4, **{"DATE-OBS": "2005-13-45"}),
            acs(5, **{"DATE-OBS": "UNDEFINED"})]
    store = str(tmp_path / "s")
    ingest([write_lines(tmp_path / "a.json", rows)], store)
    keys = _keys_by_id(store)
    assert keys == {"J0000001Q:J0000001Q": 20050201120000, "J0000002Q:J0000002Q": 20050304010203,
                    "J0000003Q:J0000003Q": -1, "J0000004Q:J0000004Q": -1, "J0000005Q:J0000005Q": -1}
    assert Store(store).manifest["schema_version"] == S.SCHEMA_VERSION == 2
    # A later source changes one dataset's date (and nothing else): merged, its key follows.
    update = write_lines(tmp_path / "b.json", [("J0000001Q:J0000001Q", {"DATE-OBS": "Jan 02 2007"})])
    assert ingest([update], store).ok
    assert _keys_by_id(store)["J0000001Q:J0000001Q"] == 20070102120000
    assert _keys_by_id(store)["J0000002Q:J0000002Q"] == 20050304010203


def test_stored_keys_equal_the_engine_normalization_of_the_stored_dates(tmp_path):
    save = tmp_path / "hst.json"
    write_save(generate("hst_0729.pmap", 3000, seed=5, invalid_fraction=0.05, odd_date_fraction=0.2), str(save))
    store = str(tmp_path / "s")
    ingest([str(save)], store, row_group_size=500)
    table = Store(store).scan(columns=[S.DATE_KEY, *NAMES])
    expected = stored_date_keys(*(table.column(name).combine_chunks() for name in NAMES), NAMES)
    found = table.column(S.DATE_KEY).to_numpy()
    assert found.tolist() == expected.tolist()
    assert 0 < (found < 0).sum() < len(found) // 5


def _as_version_1(store: str) -> None:
    """Rewrite ``store`` as this code's first schema wrote it: data files without ``date_key``, version 1."""
    for path in glob.glob(os.path.join(store, "gen-*", "observatory=*", "instrument=*", "*.parquet")):
        table = pq.read_table(path, partitioning=None)
        pq.write_table(table.drop_columns([S.DATE_KEY]), path, row_group_size=500)
    manifest_path = os.path.join(store, S.MANIFEST_NAME)
    with open(manifest_path) as handle:
        manifest = json.load(handle)
    manifest["schema_version"] = 1
    with open(manifest_path, "w") as handle:
        json.dump(manifest, handle)


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory):
    """(a store, the same datasets in a version-1 store)."""
    base = tmp_path_factory.mktemp("versions")
    save = base / "hst.json"
    write_save(generate("hst_0729.pmap", 3000, seed=23, invalid_fraction=0.05, odd_date_fraction=0.1), str(save))
    for name in ("v2", "v1"):
        ingest([str(save)], str(base / name), row_group_size=500)
    _as_version_1(str(base / "v1"))
    return str(base / "v2"), str(base / "v1")


def test_jobs_read_the_keys_and_evaluation_takes_them(two_versions):
    from crds_batch.batch.plan import plan_affected
    from crds_batch.engine.evaluate import encode_table

    current, _old = two_versions
    assert S.DATE_KEY in plan_affected(AffectedRequest("hst_0650.pmap", "hst_0729.pmap")).columns["acs"]
    frame = read_partition_encoded(Store(current), "hst", "acs", [S.DATASET_ID, S.DATE_KEY, *NAMES])
    assert (frame[S.DATE_KEY] >= 0).mean() > 0.8
    names, keys = encode_table(frame, "hst").stored_dates
    assert names == NAMES and keys.tolist() == frame[S.DATE_KEY].tolist()


def test_a_version_1_store_reads_its_dates_as_unknown(two_versions):
    _current, old = two_versions
    assert Store(old).manifest["schema_version"] == 1
    frame = read_partition_encoded(Store(old), "hst", "acs", [S.DATASET_ID, S.DATE_KEY, *NAMES])
    assert frame[S.DATE_KEY].dtype == "int64" and (frame[S.DATE_KEY] == -1).all() and len(frame) > 100


@pytest.mark.parametrize("diffs_only", [True, False], ids=["diffs-only", "all-types"])
def test_affected_over_a_version_1_store_equals_over_the_stored_dates(two_versions, diffs_only):
    current, old = two_versions
    request = AffectedRequest("hst_0650.pmap", "hst_0729.pmap", diffs_only=diffs_only, datasets_since=None)
    results = [run_affected(request, Store(path), IN_PROCESS) for path in (current, old)]
    assert len(results[0].changes) > 100 and len(results[0].errors) > 10
    for name in ("changes", "errors", "tally"):
        pd.testing.assert_frame_equal(getattr(results[0], name).astype(str).reset_index(drop=True),
                                      getattr(results[1], name).astype(str).reset_index(drop=True), obj=name)
    assert results[0].affected_ids.to_pylist() == results[1].affected_ids.to_pylist()
    assert results[0].update_counts() == results[1].update_counts()


def test_updating_a_version_1_store_mixes_files_with_and_without_keys(two_versions, tmp_path):
    """A version-1 store updated by this code: the new files have keys, the old ones none (read as -1);
    ``affected`` gives what it gives over the version-2 store given the same update."""
    stores = []
    for name, path in zip(("current", "old"), two_versions):
        stores.append(str(tmp_path / name))
        shutil.copytree(path, stores[-1])
        update = [acs(1), acs(2, **{"DATE-OBS": "2005/03/04"}), acs(3, **{"TIME-OBS": "1:02:03 PM"})]
        assert ingest([write_lines(tmp_path / f"more-{name}.json", update)], stores[-1]).ok
    current, old = stores
    assert Store(old).manifest["schema_version"] == 2
    keys = _keys_by_id(old)
    assert keys["J0000002Q:J0000002Q"] == 20050304120000
    assert sum(key is None for key in keys.values()) > 1000  # the version-1 files' rows: no key, read as -1
    request = AffectedRequest("hst_0650.pmap", "hst_0729.pmap", datasets_since=None)
    results = [run_affected(request, Store(path), IN_PROCESS) for path in (current, old)]
    assert len(results[0].affected_ids) > 100
    assert results[0].affected_ids.to_pylist() == results[1].affected_ids.to_pylist()
    pd.testing.assert_frame_equal(results[0].changes.astype(str).reset_index(drop=True),
                                  results[1].changes.astype(str).reset_index(drop=True))


@pytest.mark.parametrize("version", [3, 0, True, "2", None])
def test_unknown_schema_versions_are_refused(two_versions, tmp_path, version):
    current, _old = two_versions
    store = str(tmp_path / "s")
    shutil.copytree(current, store)
    manifest_path = os.path.join(store, S.MANIFEST_NAME)
    with open(manifest_path) as handle:
        manifest = json.load(handle)
    manifest["schema_version"] = version
    with open(manifest_path, "w") as handle:
        json.dump(manifest, handle)
    with pytest.raises(StoreError, match=r"schema version .* is not 1 or 2; re-ingest it"):
        Store(store)


def test_scans_give_the_key_as_int64_and_exports_leave_it_out(two_versions, tmp_path):
    from crds_batch.store.export import export

    current, _old = two_versions
    assert Store(current).schema().field(S.DATE_KEY).type == pa.int64()
    out = str(tmp_path / "out.json")
    export(current, out)
    with open(out) as handle:
        first = json.loads(handle.readline())
    header = next(iter(first.values()))
    assert "DATE-OBS" in header and S.DATE_KEY not in header and S.DATE_KEY.upper() not in header
