"""A store's manifest cannot make a reader (or an ingest) open anything outside the store's generation."""
from __future__ import annotations

import json
import os

import pytest

from crds_batch.cli.main import EXIT_FAILURE, main
from crds_batch.store import Store, StoreError, ingest

from .conftest import acs, write_lines


@pytest.fixture
def store(tmp_path):
    return ingest([write_lines(tmp_path / "a.json", [acs(i) for i in range(5)])], str(tmp_path / "store")).store


def _tamper(store, change):
    path = os.path.join(store, "manifest.json")
    with open(path) as handle:
        manifest = json.load(handle)
    change(manifest)
    with open(path, "w") as handle:
        json.dump(manifest, handle)
    return manifest


def _first_partition(manifest):
    return next(iter(manifest["partitions"].values()))


def _outside_file(tmp_path):
    """A real Parquet file outside the store, so that reading it would succeed."""
    other = ingest([write_lines(tmp_path / "b.json", [acs(i) for i in range(100, 103)])], str(tmp_path / "other"))
    return Store(other.store).files()[0]


@pytest.mark.parametrize("trick", ["absolute", "dotdot", "other_partition_dotdot"])
def test_file_names_outside_the_generation_refused(store, tmp_path, trick):
    target = _outside_file(tmp_path)

    def change(manifest):
        part = _first_partition(manifest)
        prefix = part["files"][0].rsplit("/", 1)[0]
        gen_dir = os.path.join(store, manifest["generation"], prefix)
        name = {"absolute": target,
                "dotdot": os.path.join(prefix, os.path.relpath(target, gen_dir)),
                "other_partition_dotdot": prefix + "/../instrument=x/../../../" + os.path.relpath(
                    target, os.path.join(store, manifest["generation"]))}[trick]
        part["files"][0] = name

    _tamper(store, change)
    with pytest.raises(StoreError, match="invalid manifest: partition .* which is not a file of its directory"):
        Store(store)
    with pytest.raises(StoreError, match="invalid manifest"):
        ingest([write_lines(tmp_path / "c.json", [acs(200)])], store)


@pytest.mark.parametrize("generation", ["../other", "/etc", "gen-../../x", "gen-a/b", 5])
def test_generation_outside_the_store_refused(store, generation):
    _tamper(store, lambda m: m.update(generation=generation))
    with pytest.raises(StoreError, match="is not a generation directory name"):
        Store(store)


@pytest.mark.parametrize("bad", [{"partitions": 5}, {"partitions": {"x": []}},
                                 {"partitions": {"x": {"observatory": "hst", "instrument": "acs"}}}])
def test_wrong_shapes_are_one_line(store, tmp_path, bad, capsys):
    _tamper(store, lambda m: m.update(bad))
    out = tmp_path / "out.json"
    assert main(["export", "--store", store, "--save-pickle", str(out)]) == EXIT_FAILURE
    err = capsys.readouterr().err
    assert err.startswith("ERROR: ") and "invalid manifest" in err and err.count("\n") == 1


def test_symlink_out_of_the_generation_refused(store, tmp_path):
    target = _outside_file(tmp_path)
    [path] = Store(store).files()[:1]
    os.unlink(path)
    os.symlink(target, path)
    with pytest.raises(StoreError, match="leads outside the store's generation"):
        Store(store)
    with pytest.raises(StoreError, match="leads outside the store's generation"):
        ingest([write_lines(tmp_path / "c.json", [acs(200)])], store)


def test_untampered_store_still_reads(store):
    assert len(Store(store).scan()) == 5


@pytest.mark.parametrize("entry, problem", [
    ({"context": "../../x.pmap", "types": {}}, "is not a context name and types"),
    ({"context": "hst_0650.pmap", "types": {"hst/nope": ["darkfile"]}}, "names partition 'hst/nope'"),
    ({"context": "hst_0650.pmap", "types": {"hst/acs": ["../darkfile"]}}, "are not type names"),
    ("hst_0650.pmap", "is not a context name and types"),
])
def test_kept_results_entry_is_checked(store, entry, problem):
    """The kept results' entry (crds_batch.store.kept) names only type columns of the store's partitions."""
    _tamper(store, lambda m: m.update(kept_results=entry))
    with pytest.raises(StoreError, match="invalid manifest: kept_results") as caught:
        Store(store)
    assert problem in str(caught.value)
