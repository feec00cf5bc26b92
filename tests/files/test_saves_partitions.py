"""bestrefs --load-pickles: one store partition at a time, dictionary-encoded, updates kept as codes (issue 15)."""
from __future__ import annotations

import pandas as pd
import pytest

from crds_batch.cli.main import EXIT_ERRORS, EXIT_OK, main
from crds_batch.files import bulk_updates, saves_bestrefs
from crds_batch.files.bestrefs import FilesRequest
from crds_batch.store import Store, ingest
from crds_batch.store import schema as S
from crds_batch.store.encoded_read import plain_columns, read_partition_encoded

INSTRUMENTS = "acs wfc3 cos"


@pytest.fixture(scope="module")
def save(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("saves") / "three.json")
    assert main(["synth", "--context", "hst_0729.pmap", "-n", "300", "-o", path, "--seed", "3",
                 "--instruments", INSTRUMENTS]) == EXIT_OK
    return path


@pytest.fixture(scope="module")
def store(save, tmp_path_factory) -> str:
    directory = str(tmp_path_factory.mktemp("store") / "store")
    ingest([save], directory)
    return directory


def test_each_partition_is_evaluated_alone(store, monkeypatch):
    """The rules run over one instrument's rows at a time (a store's partitions, one after the other)."""
    seen = []
    evaluate = saves_bestrefs._evaluate

    def spy(context, params, reftypes):
        seen.append(sorted(set(params["INSTRUME"].astype(str).str.lower())))
        return evaluate(context, params, reftypes)

    monkeypatch.setattr(saves_bestrefs, "_evaluate", spy)
    result = saves_bestrefs.run_saves([store], FilesRequest(files=(), new_context="hst_0729.pmap"))
    assert result.dataset_count == 300
    assert sorted(seen) == [[name] for name in sorted(INSTRUMENTS.split())]


def test_partition_read_keeps_dictionaries_and_equals_the_scan(store):
    with Store(store) as opened:
        for observatory, instrument in opened.instruments():
            names = opened.schema([instrument]).names
            encoded = read_partition_encoded(opened, observatory, instrument, names)
            plain = opened.scan(instruments=[instrument], as_pandas=True)
            assert list(encoded.columns) == names
            parameters = [name for name in names if S.is_parameter(name) and name not in plain_columns(observatory)]
            assert parameters and all(isinstance(encoded[name].dtype, pd.CategoricalDtype) for name in parameters)
            assert all(encoded[name].dtype == encoded[S.DATASET_ID].dtype for name in plain_columns(observatory)
                       if name in names and name != S.DATE_KEY)
            assert encoded[S.DATE_KEY].dtype == "int64"  # the normalized dates: numbers
            for name in names:
                mine = encoded[name].astype(object).where(encoded[name].notna(), None).tolist()
                theirs = plain[name].astype(object).where(plain[name].notna(), None).tolist()
                assert mine == theirs, name


def _run(args, capsys):
    code = main(["bestrefs", "--load-pickles", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_new_references_in_chunks_are_the_same_text(save, monkeypatch, capsys):
    """The --print-new-references text built in chunks of a few lines equals the one built at once."""
    args = [save, "--new-context", "hst_0729.pmap", "--print-new-references"]
    code, whole, _err = _run(args, capsys)
    assert code in (EXIT_OK, EXIT_ERRORS) and len(whole.splitlines()) > 1000
    monkeypatch.setattr(bulk_updates, "CHUNK_LINES", 7)
    assert _run(args, capsys)[1] == whole
    lines = whole.splitlines()
    keys = [(line.split()[0], line.split()[2].upper()) for line in lines]
    assert keys == sorted(keys)  # datasets sorted, a dataset's types in upper-case order, as crds


def test_datasets_without_updates_are_counted(save, capsys):
    """The same context as old and new: every dataset is decided column-wise with no update, and counted."""
    _code, out, err = _run([save, "--new-context", "hst_0729.pmap", "--old-context", "hst_0729.pmap",
                            "--print-new-references"], capsys)
    assert out == ""
    assert err.splitlines()[-1].startswith("300 datasets, 0 new references from hst_0729.pmap")


def test_text_merges_partitions_and_one_by_one_datasets_in_crds_order(monkeypatch):
    """Rows of several partitions (ids unsorted) and datasets decided one by one come out sorted by dataset,
    a dataset's types in their column order, the one-by-one lines as given."""
    import numpy as np

    monkeypatch.setattr(bulk_updates, "CHUNK_LINES", 2)
    triples = [("darkfile", None, "D1.FITS"), ("biasfile", None, "B1.FITS"), ("darkfile", None, "N/A")]
    acs = bulk_updates.UpdatePart(np.array(["J3:J3", "J1:J1", "J2:J2"], dtype=object), "ACS",
                                  np.array([[1, 0], [-1, 2], [-1, -1]], dtype=np.int32), triples)
    cos = bulk_updates.UpdatePart(np.array(["L9:L9", "A0:A0"], dtype=object), "COS",
                                  np.array([[0]], dtype=np.int32).repeat(2, axis=0), [("flatfile", None, "F.FITS")])
    slow = [("J2X", ["j2x acs darkfile none x.fits", "j2x acs flatfile none y.fits"]), ("Z", ["z stis a none b"])]
    text = b"".join(bytes(chunk) for chunk in bulk_updates.BulkUpdates([acs, cos], 5).text_chunks(slow)).decode()
    assert text.splitlines() == [
        "a0:a0 cos flatfile none f.fits",
        "j1:j1 acs darkfile none n/a",
        "j2x acs darkfile none x.fits",
        "j2x acs flatfile none y.fits",
        "j3:j3 acs biasfile none b1.fits",
        "j3:j3 acs darkfile none d1.fits",
        "l9:l9 cos flatfile none f.fits",
        "z stis a none b",
    ]
    assert len(bulk_updates.BulkUpdates([acs, cos], 5)) == 5


@pytest.mark.oracle
@pytest.mark.parametrize("old_context", [None, "hst_0650.pmap"])
def test_sync_names_equal_crds(save, old_context, monkeypatch):
    """--sync-references fetches what crds would: the updates' new references lower-cased, N/A left out
    (the column-wise updates included: their values are normalized upper case)."""
    from crds.bestrefs import bestrefs

    requested = []
    monkeypatch.setattr(bestrefs.api, "dump_references",
                        lambda context, names, raise_exceptions=False: requested.append(list(names)))
    monkeypatch.setenv("CRDS_READONLY_CACHE", "0")  # crds refuses --sync-references on a read-only cache
    old = ["--old-context", old_context] if old_context else []
    bestrefs.BestrefsScript(["crds.bestrefs", "--hst", "--new-context", "hst_0729.pmap", *old,
                             "--load-pickles", save, "--sync-references", "1"])()
    result = saves_bestrefs.run_saves([save], FilesRequest(files=(), new_context="hst_0729.pmap",
                                                           old_context=old_context))
    assert result.bulk is not None and len(result.bulk) > 0
    ours = sorted(result.new_reference_names() - {"n/a"})
    assert len(requested) == 1 and ours == requested[0] and len(ours) > 10


def test_failed_lookups_worded_column_wise_as_one_by_one(tmp_path, monkeypatch):
    """The error lines and tracked errors of datasets whose only trouble is failed lookups, made a column at
    a time, equal those of the per-dataset comparison (crds's wording: one line per message, its types)."""
    from crds_batch.synth import generate, write_save

    save = str(tmp_path / "faulty.json")
    write_save(generate("hst_0729.pmap", 800, seed=9, invalid_fraction=0.2), save)
    request = FilesRequest(files=(), new_context="hst_0729.pmap")
    column_wise = saves_bestrefs.run_saves([save], request)
    monkeypatch.setattr(saves_bestrefs._Columns, "failed_lookups", lambda self, rows, ids, instrument: {})
    one_by_one = saves_bestrefs.run_saves([save], request)
    errors = [line for line in column_wise.messages() if line.startswith("ERROR:")]
    assert column_wise.messages() == one_by_one.messages()
    several_types = [line for line in errors if "," in line.split(" types=")[1].split(":")[0]]
    assert len(errors) > 100 and several_types
    pd.testing.assert_frame_equal(column_wise.error_frame(), one_by_one.error_frame())
    assert column_wise.failed_count == one_by_one.failed_count > 50
