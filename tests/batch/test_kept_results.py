"""affected over a store that keeps the old context's results gives what evaluating both contexts gives.

`keep-results` evaluates every type of every dataset in one context and keeps the results beside the
parameters; `affected` from that context then reads them (and the new results of types whose rmap did
not change) instead of evaluating. Every output must be the same as with --evaluate-old, in both
modes, in this process and on a LocalCluster of processes; a store keeping another context's results,
a JWST context and a store without the context's instruments are handled as documented.
"""
from __future__ import annotations

import dataclasses
import os
import shutil

import pandas as pd
import pyarrow.parquet as pq
import pytest

from crds_batch.batch.affected import run_affected
from crds_batch.batch.cluster import ClusterOptions
from crds_batch.batch.keep import keep_results
from crds_batch.batch.kept_results import old_and_new_results
from crds_batch.batch.plan import AffectedRequest
from crds_batch.errors import CrdsBatchError
from crds_batch.rules.loading import load_context
from crds_batch.store import Store, ingest
from crds_batch.store import kept as K
from crds_batch.store.layout import StoreError, read_manifest
from crds_batch.synth import generate, write_save

OLD, NEW = "hst_0650.pmap", "hst_0729.pmap"
IN_PROCESS = ClusterOptions(synchronous=True)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """(a store, the same store keeping the results of OLD)."""
    base = tmp_path_factory.mktemp("kept")
    save = base / "hst.json"
    write_save(generate(NEW, 4000, seed=11, invalid_fraction=0.05, odd_date_fraction=0.05), str(save))
    ingest([str(save)], str(base / "plain"), row_group_size=400)
    shutil.copytree(base / "plain", base / "kept", copy_function=os.link)
    report = keep_results(OLD, str(base / "kept"), IN_PROCESS)
    by_partition = Store(str(base / "kept")).manifest["counts"]["by_partition"]
    assert report.skipped == ["hst/synphot"]  # not an instrument of the context: nothing kept
    assert report.datasets == sum(count for key, count in by_partition.items() if key != "hst/synphot")
    return str(base / "plain"), str(base / "kept")


def _outputs(result) -> dict:
    changes = result.changes.astype(str).reset_index(drop=True)
    errors = result.errors.astype(str).reset_index(drop=True)
    return {"changes": changes, "errors": errors, "affected": list(result.affected_ids),
            "datasets": result.datasets, "tally": result.tally.astype(str).reset_index(drop=True),
            "counts": result.update_counts()}


def _assert_same(one: dict, other: dict) -> None:
    for key in one:
        if isinstance(one[key], pd.DataFrame):
            pd.testing.assert_frame_equal(one[key], other[key], obj=key)
        else:
            assert one[key] == other[key], key


@pytest.mark.parametrize("diffs_only", [True, False], ids=["diffs-only", "all-types"])
def test_kept_results_give_the_evaluated_outputs(stores, diffs_only):
    plain, kept = stores
    request = AffectedRequest(OLD, NEW, diffs_only=diffs_only, datasets_since=None)
    messages = []
    with_kept = run_affected(request, Store(kept), IN_PROCESS, log=messages.append)
    assert any(m.startswith(f"Old results of {OLD}: kept by the store for acs") for m in messages), messages
    assert with_kept.plan.kept_old  # read, not evaluated
    evaluated = run_affected(dataclasses.replace(request, evaluate_old=True), Store(kept), IN_PROCESS)
    assert not evaluated.plan.kept_old
    plain_result = run_affected(request, Store(plain), IN_PROCESS)
    assert len(with_kept.changes) > 100 and len(with_kept.errors) > 10
    _assert_same(_outputs(with_kept), _outputs(evaluated))
    _assert_same(_outputs(with_kept), _outputs(plain_result))


def test_kept_results_on_a_cluster_of_processes(stores):
    plain, kept = stores
    request = AffectedRequest(OLD, NEW, diffs_only=False, datasets_since="auto")
    cluster = ClusterOptions(n_workers=2, threads_per_worker=1)
    _assert_same(_outputs(run_affected(request, Store(kept), cluster)),
                 _outputs(run_affected(request, Store(plain), IN_PROCESS)))


def test_kept_columns_equal_each_context_evaluation(stores):
    """The pieces themselves: old results read and new results of unchanged rmaps taken from them equal
    each context's own evaluation, type by type."""
    from crds_batch.batch.kept_results import kept_for_job
    from crds_batch.batch.plan import plan_affected
    from crds_batch.engine.evaluate import encode_table, evaluate
    from crds_batch.batch.graph import partition_frames

    _plain, kept = stores
    store = Store(kept)
    planned = plan_affected(AffectedRequest(OLD, NEW, diffs_only=False))
    kept_types = kept_for_job(store, planned.plan, ["acs"])
    plan = dataclasses.replace(planned.plan, kept_old=kept_types)
    frame = partition_frames(store, {"acs": planned.columns["acs"]}, encoded=True, kept=kept_types)[0].load()
    old_context, new_context = load_context(OLD), load_context(NEW)
    table = encode_table(frame, "hst")
    old, new = old_and_new_results(frame, table, "ACS", plan, old_context, new_context)
    for context, got in ((old_context, old), (new_context, new)):
        expected = evaluate(context, encode_table(frame, "hst"), reftypes=None, type_rule="bestrefs")
        assert sorted(got.columns) == sorted(expected.columns)
        for kind in expected.columns:
            assert got[kind].astype(object).equals(expected[kind].astype(object)), (context.basename, kind)
    unchanged = [kind for kind in old.columns
                 if old_context.get_imap("acs").selections[kind] == new_context.get_imap("acs").selections.get(kind)]
    assert unchanged and len(unchanged) < len(old.columns)


def test_another_contexts_results_are_not_used(stores, tmp_path):
    _plain, kept = stores
    request = AffectedRequest("hst_0729.pmap", "hst_0650.pmap", diffs_only=True, datasets_since=None)
    messages = []
    result = run_affected(request, Store(kept), IN_PROCESS, log=messages.append)
    assert not result.plan.kept_old and not any("kept by the store" in m for m in messages)


def test_an_ingest_drops_the_kept_results(stores, tmp_path):
    _plain, kept = stores
    copy = tmp_path / "copy"
    shutil.copytree(kept, copy, copy_function=os.link)
    assert K.kept_context(read_manifest(str(copy))) == OLD
    save = tmp_path / "more.json"
    write_save(generate(NEW, 50, seed=12), str(save))
    ingest([str(save)], str(copy))
    assert K.kept_context(read_manifest(str(copy))) is None
    assert not os.path.exists(os.path.join(copy, read_manifest(str(copy))["generation"], K.DIRECTORY))


def test_a_damaged_kept_file_is_one_line(stores, tmp_path):
    _plain, kept = stores
    copy = tmp_path / "copy"
    shutil.copytree(kept, copy)  # real copies: the truncation must not reach the fixture's files
    gen_dir = os.path.join(copy, read_manifest(str(copy))["generation"])
    victim = next(os.path.join(root, name) for root, _dirs, names in os.walk(os.path.join(gen_dir, K.DIRECTORY))
                  for name in names if "instrument=acs" in root)
    with open(victim, "r+b") as handle:
        handle.truncate(100)
    request = AffectedRequest(OLD, NEW, diffs_only=True, datasets_since=None)
    with pytest.raises(StoreError, match="cannot read the store's data") as caught:
        run_affected(request, Store(str(copy)), IN_PROCESS)
    assert "\n" not in str(caught.value)


def test_keeping_fails_for_jwst_and_for_a_store_without_the_instruments(stores, tmp_path):
    _plain, kept = stores
    with pytest.raises(CrdsBatchError, match="not supported for jwst"):
        keep_results("jwst_0541.pmap", kept, IN_PROCESS)
    with pytest.raises(CrdsBatchError, match="holds no datasets of the instruments of roman_0007.pmap"):
        keep_results("roman_0007.pmap", kept, IN_PROCESS)
    assert K.kept_context(read_manifest(kept)) == OLD  # unchanged


def test_keeping_switches_generations_atomically(stores, tmp_path):
    plain, _kept = stores
    copy = tmp_path / "copy"
    shutil.copytree(plain, copy, copy_function=os.link)
    before = read_manifest(str(copy))
    keep_results(NEW, str(copy), IN_PROCESS)
    after = read_manifest(str(copy))
    assert after["generation"] != before["generation"] and after["partitions"] == before["partitions"]
    assert after[K.MANIFEST_KEY]["context"] == NEW
    assert sorted(os.listdir(copy)) == sorted(["manifest.json", ".ingest.lock", after["generation"]])
    gen_dir = os.path.join(copy, after["generation"])
    kept_types = after[K.MANIFEST_KEY]["types"]
    known = load_context(NEW).instruments
    assert set(kept_types) == {key for key, part in after["partitions"].items() if part["instrument"] in known}
    for key, types in kept_types.items():
        for name in after["partitions"][key]["files"]:
            rows = pq.ParquetFile(os.path.join(gen_dir, name)).metadata
            for index in range(rows.num_row_groups):
                kept_file = pq.ParquetFile(K.result_file(gen_dir, name, index))
                assert kept_file.metadata.num_rows == rows.row_group(index).num_rows
                assert kept_file.schema_arrow.names == types


def test_the_commands(stores, tmp_path, capsys):
    """`crds-batch keep-results` as a user runs it, then `affected` says it reads them; --evaluate-old not."""
    from crds_batch.cli.main import main

    plain, _kept = stores
    copy = tmp_path / "copy"
    shutil.copytree(plain, copy, copy_function=os.link)
    assert main(["keep-results", OLD, "--store", str(copy), "--no-cluster", "--quiet"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith(f"Kept the results of {OLD} for ") and "(hst/acs 22 types" in out[0]
    outputs = {}
    for extra in ([], ["--evaluate-old"]):
        code = main(["affected", "--old-context", OLD, "--new-context", NEW, "--params", str(copy), "--no-cluster",
                     "--print-new-references", *extra])
        captured = capsys.readouterr()
        assert code == 1  # the store's invalid values fail lookups
        assert ("kept by the store for acs" in captured.err) == (not extra)
        outputs[bool(extra)] = captured.out
    assert outputs[False] == outputs[True] and outputs[False].count("\n") > 50
    assert main(["keep-results", "jwst_0541.pmap", "--store", str(copy), "--no-cluster"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not supported for jwst" in err[0]
    before = read_manifest(str(copy))
    assert main(["affected", "--old-context", "jwst_0540.pmap", "--new-context", "jwst_0541.pmap", "--params",
                 str(copy), "--no-cluster", "--keep-new-results"]) == 3  # refused before the job
    captured = capsys.readouterr()
    assert captured.out == "" and "not supported for jwst" in captured.err.strip().splitlines()[-1]
    assert read_manifest(str(copy)) == before


@pytest.mark.parametrize("command", [["keep-results", OLD, "--store"],
                                     ["affected", "--old-context", OLD, "--new-context", NEW, "--keep-new-results",
                                      "--params"]], ids=["keep-results", "affected"])
def test_a_killed_keeping_leaves_the_store_as_it_was(tmp_path, command):
    """SIGKILL while the result files are being written (by keep-results, or by the tasks of affected
    --keep-new-results): the manifest and the rows are as before, affected evaluates as without kept results,
    and the next keeping removes the leftovers and succeeds."""
    import glob
    import subprocess
    import sys

    from tests.killing import sigkill_when

    save = tmp_path / "hst.json"
    write_save(generate(NEW, 12000, seed=13, instruments=["acs", "wfc3"]), str(save))
    store = str(tmp_path / "store")
    ingest([str(save)], store, row_group_size=100)  # many row groups: many tasks, time to kill one
    before = read_manifest(store)
    proc = subprocess.Popen([sys.executable, "-m", "crds_batch.cli.main", *command, store, "--no-cluster", "--quiet"],
                            stdout=subprocess.DEVNULL)
    sigkill_when(proc, os.path.join(store, ".staging-*", K.DIRECTORY, "*", "*", "*.parquet"))
    assert read_manifest(store) == before
    request = AffectedRequest(OLD, NEW, diffs_only=True, datasets_since=None)
    assert not run_affected(request, Store(store), IN_PROCESS).plan.kept_old
    keep_results(OLD, store, IN_PROCESS)
    assert K.kept_context(read_manifest(store)) == OLD
    assert not glob.glob(os.path.join(store, ".staging-*"))


def test_roman_kept_results_give_the_evaluated_outputs(tmp_path):
    """Roman (META.* parameters renamed ROMAN.META.*) keeps results as HST does: the same outputs; types the old
    context lacks are evaluated."""
    save = tmp_path / "roman.json"
    write_save(generate("roman_0006.pmap", 1500, seed=17, invalid_fraction=0.05), str(save))
    store = str(tmp_path / "store")
    ingest([str(save)], store, row_group_size=300)
    keep_results("roman_0004.pmap", store, IN_PROCESS)
    for diffs_only in (True, False):
        request = AffectedRequest("roman_0004.pmap", "roman_0006.pmap", diffs_only=diffs_only, datasets_since=None)
        with_kept = run_affected(request, Store(store), IN_PROCESS)
        # roman_0004 has one type (flat), which roman_0006 keeps: read under --all-types; the changed
        # types (dark, distortion, pars-exposurepipeline) are new, nothing kept to read under --diffs-only.
        assert with_kept.plan.kept_old == ({} if diffs_only else {"wfi": ("flat",)})
        evaluated = run_affected(dataclasses.replace(request, evaluate_old=True), Store(store), IN_PROCESS)
        assert len(evaluated.changes) > 20 or len(evaluated.errors) > 20
        _assert_same(_outputs(with_kept), _outputs(evaluated))


def test_keeping_the_next_context_takes_the_unchanged_types(stores, tmp_path):
    """Keeping NEW over a store keeping OLD reads the types whose rmap both share and evaluates the others:
    every result file holds what keeping NEW over the bare store gives."""
    plain, kept = stores
    after_old, bare = tmp_path / "after_old", tmp_path / "bare"
    shutil.copytree(kept, after_old, copy_function=os.link)
    shutil.copytree(plain, bare, copy_function=os.link)
    messages = []
    report = keep_results(NEW, str(after_old), IN_PROCESS, log=messages.append)
    assert keep_results(NEW, str(bare), IN_PROCESS).reused == {}
    old_acs, new_acs = load_context(OLD).get_imap("acs"), load_context(NEW).get_imap("acs")
    unchanged = sorted(kind for kind in new_acs.filekinds if old_acs.selections.get(kind) == new_acs.selections[kind])
    assert sorted(report.reused["hst/acs"]) == unchanged and 0 < len(unchanged) < len(new_acs.filekinds)
    assert any(m.startswith(f"Taken from the kept results of {OLD} (the same rmaps): acs ") for m in messages)
    compared = 0
    for store in (after_old, bare):
        assert K.kept_context(read_manifest(str(store))) == NEW
    dirs = [os.path.join(store, read_manifest(str(store))["generation"]) for store in (after_old, bare)]
    manifest = read_manifest(str(bare))
    for key, kinds in manifest[K.MANIFEST_KEY]["types"].items():
        for name in manifest["partitions"][key]["files"]:
            for index in range(pq.ParquetFile(os.path.join(dirs[1], name)).metadata.num_row_groups):
                one, other = (pq.read_table(K.result_file(d, name, index)).to_pydict() for d in dirs)
                assert one == other, (key, name, index)
                compared += 1
    assert compared > 10


def test_affected_keeps_the_new_results_when_asked(stores, tmp_path, capsys):
    """`affected --keep-new-results`: the store then keeps the new context's results (what keep-results NEW
    gives); only a --params store can keep them (usage error, exit 2, otherwise)."""
    from crds_batch.cli.main import main

    _plain, kept = stores
    copy = tmp_path / "copy"
    shutil.copytree(kept, copy, copy_function=os.link)
    args = ["affected", "--old-context", OLD, "--new-context", NEW, "--no-cluster"]
    assert main([*args, "--params", str(copy), "--keep-new-results"]) == 1  # the store's invalid values fail
    captured = capsys.readouterr()
    assert "kept by the store for acs" in captured.err
    assert f"Taken from the kept results of {OLD} (the same rmaps): acs " in captured.err
    assert f"Kept the results of {NEW} for " in captured.err
    assert K.kept_context(read_manifest(str(copy))) == NEW
    save = tmp_path / "few.json"
    write_save(generate(NEW, 20, seed=3), str(save))
    assert main([*args, "--params", str(save), "--keep-new-results"]) == 2
    assert "--keep-new-results keeps the results in a parameter store" in capsys.readouterr().err


def _kept_files(store: str) -> dict:
    """(partition, data file, row group) -> the kept results file's columns, of every row group kept."""
    manifest = read_manifest(store)
    directory = os.path.join(store, manifest["generation"])
    found = {}
    for key in manifest[K.MANIFEST_KEY]["types"]:
        for name in manifest["partitions"][key]["files"]:
            for index in range(pq.ParquetFile(os.path.join(directory, name)).metadata.num_row_groups):
                found[key, name, index] = pq.read_table(K.result_file(directory, name, index)).to_pydict()
    return found


@pytest.mark.parametrize("diffs_only", [True, False], ids=["diffs-only", "all-types"])
@pytest.mark.parametrize("keeping", ["kept", "plain"])
def test_the_jobs_tasks_keep_what_keep_results_keeps(stores, tmp_path, monkeypatch, diffs_only, keeping):
    """`affected --keep-new-results`: the job's tasks keep the new results as they evaluate them (no second
    pass), the store then keeps what keep-results NEW keeps, and the job's outputs are those of affected
    alone."""
    from crds_batch.batch import keep_new

    source = dict(zip(["plain", "kept"], stores))[keeping]
    fused, two_pass, alone = (tmp_path / name for name in ("fused", "two_pass", "alone"))
    for copy in (fused, two_pass, alone):
        shutil.copytree(source, copy, copy_function=os.link)
    new_outside_keeping = _new_evaluations_outside_keeping(monkeypatch)
    request = AffectedRequest(OLD, NEW, diffs_only=diffs_only)
    with Store(str(fused)) as store:
        result, report = keep_new.run_affected_keeping(request, store, str(fused), IN_PROCESS)
    assert new_outside_keeping == []  # the job compares with the results its tasks kept
    keep_results(NEW, str(two_pass), IN_PROCESS)
    assert _kept_files(str(fused)) == _kept_files(str(two_pass))
    assert read_manifest(str(fused))[K.MANIFEST_KEY] == read_manifest(str(two_pass))[K.MANIFEST_KEY]
    assert report.datasets == sum(read_manifest(str(fused))["counts"]["by_partition"].values())
    with Store(str(alone)) as store:
        _assert_same(_outputs(result), _outputs(run_affected(request, store, IN_PROCESS)))


def _new_evaluations_outside_keeping(monkeypatch) -> list:
    """The evaluations in NEW made outside the keeping of a partition's results (spied, in this process)."""
    from crds_batch.batch import keep_new
    from crds_batch.engine import evaluate as evaluator

    found, keeping = [], []
    real_evaluate, real_keep_rows = evaluator.evaluate, keep_new.keep_rows

    def spy(context, *args, **kwargs):
        if getattr(context, "basename", context) == NEW and not keeping:
            found.append(kwargs.get("reftypes"))
        return real_evaluate(context, *args, **kwargs)

    def keep_rows(*args):
        keeping.append(True)
        try:
            return real_keep_rows(*args)
        finally:
            keeping.pop()

    monkeypatch.setattr(evaluator, "evaluate", spy)
    monkeypatch.setattr(keep_new, "keep_rows", keep_rows)
    return found


def test_the_jobs_tasks_keep_on_a_cluster_of_processes(stores, tmp_path):
    """The same on a LocalCluster of two worker processes (the tasks write the files, the client commits)."""
    from crds_batch.batch.keep_new import run_affected_keeping

    _plain, kept = stores
    fused, two_pass = tmp_path / "fused", tmp_path / "two_pass"
    for copy in (fused, two_pass):
        shutil.copytree(kept, copy, copy_function=os.link)
    request = AffectedRequest(OLD, NEW, diffs_only=True)
    with Store(str(fused)) as store:
        result, _report = run_affected_keeping(request, store, str(fused), ClusterOptions(n_workers=2))
    keep_results(NEW, str(two_pass), IN_PROCESS)
    assert _kept_files(str(fused)) == _kept_files(str(two_pass))
    with Store(str(kept)) as store:
        _assert_same(_outputs(result), _outputs(run_affected(request, store, IN_PROCESS)))


def test_instruments_the_job_leaves_out_are_kept_too(stores, tmp_path):
    """--instruments acs: the job compares acs only; tasks that only keep results read the other instruments
    whose results change (the unchanged ones take their files as they are); the outputs are those of the
    job alone."""
    from crds_batch.batch import keep_new

    _plain, kept = stores
    copy, two_pass, alone = tmp_path / "copy", tmp_path / "two_pass", tmp_path / "alone"
    for target in (copy, two_pass, alone):
        shutil.copytree(kept, target, copy_function=os.link)
    request = AffectedRequest(OLD, NEW, diffs_only=True, instruments=("acs",))
    with Store(str(copy)) as store:
        result, _report = keep_new.run_affected_keeping(request, store, str(copy), IN_PROCESS)
    keep_results(NEW, str(two_pass), IN_PROCESS)
    assert _kept_files(str(copy)) == _kept_files(str(two_pass))
    with Store(str(alone)) as store:
        expected = run_affected(request, store, IN_PROCESS)
    _assert_same(_outputs(result), _outputs(expected))
    assert result.datasets == expected.datasets > 0
