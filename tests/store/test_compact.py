"""An ingest ends by rewriting each partition's runs of small files as files of whole row groups.

The store must hold the same rows, in the same order, as one ingested without that step
(``ingest-compact: false``); its files hold row groups of ``row_group_size`` rows (a file's last may be
shorter); no file is left in the generation beside those the manifest lists; an update of the store
leaves the files already whole alone and rewrites only the small ones it adds.
"""
from __future__ import annotations

import os

import dask
import pyarrow.parquet as pq
import pytest

from crds_batch.cli.main import EXIT_OK, main
from crds_batch.settings import SettingsError, get_bool
from crds_batch.store import Store, ingest
from crds_batch.store import schema as S


@pytest.fixture(scope="module")
def saves(tmp_path_factory) -> tuple[str, str]:
    directory = tmp_path_factory.mktemp("compact")
    first, second = str(directory / "first.json"), str(directory / "second.json")
    assert main(["synth", "--context", "hst_0729.pmap", "-n", "3000", "-o", first, "--seed", "8",
                 "--instruments", "acs cos stis"]) == EXIT_OK
    assert main(["synth", "--context", "hst_0729.pmap", "-n", "900", "-o", second, "--seed", "9",
                 "--instruments", "acs wfc3"]) == EXIT_OK
    return first, second


def _ingest(sources, directory, compacted: bool, row_group_size: int = 400, workers: int = 1) -> Store:
    with dask.config.set({"crds_batch.ingest-compact": compacted}):
        return Store(str(ingest(sources, str(directory), batch_bytes=40_000, row_group_size=row_group_size,
                                workers=workers).store))


def _rows(store: Store) -> dict[str, list[dict]]:
    """Each partition's rows in store order, parameters only (absent = None)."""
    rows = {}
    for _observatory, instrument in store.instruments():
        table = store.scan(instruments=[instrument])
        names = [S.DATASET_ID] + sorted(name for name in table.column_names if S.is_parameter(name))
        rows[instrument] = table.select(names).to_pylist()
    return rows


def _check_layout(store: Store, row_group_size: int) -> None:
    listed = set(store.files())
    on_disk = {os.path.join(root, name) for root, _dirs, names in os.walk(store._gen_dir)
               for name in names if name.endswith(".parquet")}
    assert on_disk == listed  # the rewritten files are gone
    for part in store.manifest["partitions"].values():
        assert sum(part["file_rows"]) == part["rows"]
    for path in listed:
        metadata = pq.read_metadata(path)
        sizes = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
        assert all(size == row_group_size for size in sizes[:-1]) and sizes[-1] <= row_group_size


@pytest.mark.parametrize("workers", [1, 2])  # partitions rewritten here, or by worker processes
def test_a_compacted_store_holds_the_same_rows_in_fewer_files(tmp_path, saves, workers):
    plain = _ingest([saves[0]], tmp_path / "plain", compacted=False)
    compacted = _ingest([saves[0]], tmp_path / "compacted", compacted=True, workers=workers)
    assert len(plain.files()) > 3 * len(compacted.instruments())  # small files to rewrite
    assert len(compacted.files()) < len(plain.files()) / 3
    _check_layout(compacted, 400)
    assert _rows(compacted) == _rows(plain)
    assert compacted.manifest["counts"] == plain.manifest["counts"]


def test_an_update_rewrites_only_the_small_files_it_adds(tmp_path, saves):
    _ingest([saves[0]], tmp_path / "plain", compacted=False)
    plain = _ingest([saves[1]], tmp_path / "plain", compacted=False)
    store = _ingest([saves[0]], tmp_path / "store", compacted=True)
    whole = {os.path.basename(path) for path in store.files()
             if pq.read_metadata(path).num_rows >= 400}
    assert whole
    updated = _ingest([saves[1]], tmp_path / "store", compacted=True)
    assert whole <= {os.path.basename(path) for path in updated.files()}  # kept as they were (linked)
    _check_layout(updated, 400)
    assert _rows(updated) == _rows(plain)


def test_the_setting_takes_true_or_false_only():
    with dask.config.set({"crds_batch.ingest-compact": "false"}):
        assert get_bool("ingest-compact", True) is False
    with dask.config.set({"crds_batch.ingest-compact": "maybe"}):
        with pytest.raises(SettingsError, match="ingest-compact = 'maybe'.*DASK_CRDS_BATCH__INGEST_COMPACT"):
            get_bool("ingest-compact", True)
