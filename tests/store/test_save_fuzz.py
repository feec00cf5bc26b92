"""Fuzzed saves: one line per problem, never a traceback or a hang; datasets as crds reads them.

Where crds's own save reader (``crds.bestrefs.headers.load_bestrefs_headers``) reads a mutant,
every dataset id it reads is either stored by us or reported by us as a dataset error, and we store
no id it does not read.
"""
from __future__ import annotations

import json

import pytest

from crds_batch.errors import CrdsBatchError
from crds_batch.store import ingest
from crds_batch.store.store import Store
from crds_batch.synth import generate, write_save

from .save_fuzz import save_mutants


@pytest.fixture(scope="module")
def lines(tmp_path_factory):
    save = tmp_path_factory.mktemp("savefuzz") / "hst.json"
    write_save(generate("hst_0729.pmap", 12, seed=31), str(save))
    return save.read_text().splitlines()


def crds_ids(path) -> set[str] | None:
    from crds.bestrefs.headers import load_bestrefs_headers

    try:
        headers = load_bestrefs_headers(str(path))
    except Exception:
        return None
    return set(headers) if isinstance(headers, dict) else None


def run_campaign(lines, seed, count, tmp_path):
    outcomes = {}
    for index, mutant in enumerate(save_mutants(lines, seed, count)):
        save = tmp_path / f"m{index}.json"
        save.write_bytes(mutant.data)
        try:
            report = ingest([str(save)], str(tmp_path / f"s{index}"), workers=1)
        except CrdsBatchError as exc:
            assert "\n" not in str(exc), str(exc)
            outcomes[(mutant.kind, "refused")] = outcomes.get((mutant.kind, "refused"), 0) + 1
            continue
        with Store(str(tmp_path / f"s{index}")) as store:
            stored = set(store.scan(columns=["dataset_id"]).column("dataset_id").to_pylist()) if len(store) else set()
        problems = report.skipped_lines + report.dataset_errors
        assert all("\n" not in line for line in problems)
        theirs = crds_ids(save)
        if theirs is not None:
            reported = {dataset_id for dataset_id in theirs if any(f"dataset {dataset_id[:40]}" in line
                                                                   for line in report.dataset_errors)}
            assert stored <= theirs, (index, mutant.kind, stored - theirs)
            assert theirs <= stored | reported, (index, mutant.kind, theirs - stored - reported)
        verdict = "clean" if not problems else "problems reported"
        outcomes[(mutant.kind, verdict)] = outcomes.get((mutant.kind, verdict), 0) + 1
    return outcomes


@pytest.mark.oracle
@pytest.mark.timeout(600)
def test_fuzzed_saves_default_campaign(lines, tmp_path):
    outcomes = run_campaign(lines, 23, 200, tmp_path)
    assert sum(outcomes.values()) == 200
    assert outcomes.get(("non_utf8", "problems reported"), 0) + outcomes.get(("non_utf8", "refused"), 0) == 20


@pytest.mark.slow
@pytest.mark.oracle
@pytest.mark.timeout(3600)
def test_fuzzed_saves_long_campaign(lines, tmp_path):
    assert sum(run_campaign(lines, 24, 2000, tmp_path).values()) == 2000
