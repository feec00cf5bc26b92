"""Batch jobs say what they read and skipped, and refuse a store with nothing in scope (issue 10 §3)."""
from __future__ import annotations

import json

import pytest

from crds_batch.cli.main import main
from crds_batch.store import ingest
from crds_batch.synth import generate, write_save


@pytest.fixture(scope="module")
def jwst_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("jwst-only")
    write_save(generate("jwst_0541.pmap", 40, seed=81), str(root / "jwst.json"))
    ingest([str(root / "jwst.json")], str(root / "store"))
    return str(root / "store")


@pytest.fixture(scope="module")
def hst_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("hst-mixed")
    write_save(generate("hst_0729.pmap", 300, seed=82, invalid_fraction=0.0, early_fraction=0.0,
                        instruments=["acs", "wfc3", "cos"]), str(root / "h.json"))
    ingest([str(root / "h.json")], str(root / "store"))
    return str(root / "store")


def test_affected_hst_contexts_over_jwst_store_is_one_line_exit_3(jwst_store, capsys):
    code = main(["affected", "--old-context", "hst_0700.pmap", "--new-context", "hst_0729.pmap",
                 "--params", jwst_store, "--no-cluster"])
    captured = capsys.readouterr()
    assert code == 3 and captured.out == ""
    [line] = captured.err.strip().splitlines()[-1:]
    assert "no HST dataset found" in line and "JWST" in line


def test_check_context_with_absent_instruments_is_one_line_exit_3(hst_store, capsys):
    code = main(["check-context", "--new-context", "jwst_0541.pmap", "--params", hst_store, "--no-cluster"])
    assert code == 3 and "no JWST dataset found" in capsys.readouterr().err
    code = main(["check-context", "--new-context", "hst_0729.pmap", "--params", hst_store, "--no-cluster",
                 "--instruments", "stis"])
    assert code == 3 and "no dataset of --instruments stis" in capsys.readouterr().err


def test_check_context_instruments_reads_only_those(hst_store, capsys):
    """--instruments cos reads only COS datasets (the others are skipped, not failed as unknown instruments)."""
    from crds_batch.store import Store

    rows = {instr: part["rows"] for (_, instr), part in
            zip(Store(hst_store).instruments(), Store(hst_store).manifest["partitions"].values())}
    main(["check-context", "--new-context", "hst_0729.pmap", "--params", hst_store, "--no-cluster",
          "--instruments", "cos", "--dump-unique-errors"])
    captured = capsys.readouterr()
    assert "Unknown instrument" not in captured.out
    assert f"{rows['cos']:,} processed" in captured.err
    assert f"{rows['acs'] + rows['wfc3']:,} of instruments this job does not need" in captured.err


def test_affected_summary_counts_read_and_skipped(hst_store, tmp_path, capsys):
    """hst_0728 -> hst_0729 changes WFC3 only: other instruments are skipped unread, and the summary says so."""
    from crds_batch.store import Store

    store = Store(hst_store)
    rows = {instr: part["rows"] for (_, instr), part in
            zip(store.instruments(), store.manifest["partitions"].values())}
    wfc3_ids = [i for i in store.scan(instruments=["wfc3"], as_pandas=True)["dataset_id"]]
    dropped = wfc3_ids[0]
    out = tmp_path / "out"
    code = main(["affected", "--old-context", "hst_0728.pmap", "--new-context", "hst_0729.pmap",
                 "--params", hst_store, "--no-cluster", "--datasets-since", "none", "--drop-ids", dropped,
                 "--output", str(out)])
    err = capsys.readouterr().err
    assert code == 0
    others = sum(n for instr, n in rows.items() if instr != "wfc3")
    line = next(line for line in err.splitlines() if line.strip().startswith("datasets  "))
    assert f"{sum(rows.values()):,} stored, {rows['wfc3']:,} read, {rows['wfc3'] - 1:,} processed" in line
    assert f"{others:,} of instruments this job does not need" in line
    assert "1 left out by --only-ids/--drop-ids" in line
    counts = json.loads((out / "summary.json").read_text())["datasets"]
    assert counts["other_instruments"] == others and counts["filtered_ids"] == 1


def test_affected_summary_counts_datasets_since(hst_store, capsys):
    code = main(["affected", "--old-context", "hst_0728.pmap", "--new-context", "hst_0729.pmap",
                 "--params", hst_store, "--no-cluster", "--datasets-since", "2015-01-01"])
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if line.strip().startswith("datasets  "))
    assert code == 0 and "observed before --datasets-since" in line
