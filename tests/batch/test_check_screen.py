"""check-context without compare-source screens each type's new results on their distinct values (issue 15).

``check._screen_errors`` must give exactly the error rows of the full comparison
(``compare_type`` + ``UnresolvedStops`` + ``_lookup_errors``, which the crds
parity tests cover): failed lookups, bad references (errors, or warnings when
allowed), and nothing for datasets already failed at an earlier type's
unresolved result (the JWST corpus's tied TSOPHOT choices).
"""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from crds_batch.batch import check
from crds_batch.batch.compare import CompareOptions
from crds_batch.batch.graph import partition_frames
from crds_batch.engine.evaluate import evaluate
from crds_batch.rules.loading import load_mapping
from crds_batch.store import open_params
from crds_batch.synth import generate, write_save

from .jwst_corpus import write_jwst_corpus


@pytest.fixture(scope="module")
def saves(tmp_path_factory):
    directory = tmp_path_factory.mktemp("screen")
    hst = directory / "hst.json"
    write_save(generate("hst_0729.pmap", 600, seed=5, invalid_fraction=0.08), str(hst))
    jwst = write_jwst_corpus(directory / "jwst.json", "jwst_0541.pmap", 400, seed=31, tso_na=0.1)
    return {"hst_0729.pmap": str(hst), "jwst_0541.pmap": str(jwst)}


def _partitions(save: str, planned: check.PlannedCheck) -> list[pd.DataFrame]:
    with open_params([save]) as source:
        columns = check._with_unknown_instruments(planned, source)
        return [task.load() for task in partition_frames(source, columns, encoded=True)]


def _common_references(frames: list[pd.DataFrame], context) -> frozenset[str]:
    """The two most frequent new references of every type: bad references that many datasets get, in the
    types after a tied one too."""
    names = set()
    for frame in frames:
        results = evaluate(context, frame.drop(columns=["dataset_id"]), type_rule="bestrefs")
        for kind in results.columns:
            counts = results[kind].value_counts()
            names.update(str(name).lower() for name in counts.index[:2] if not str(name).startswith("NOT FOUND"))
    return frozenset(names)


def _errors(frames, plan, context, full: bool, monkeypatch) -> pd.DataFrame:
    with monkeypatch.context() as patch:
        if full:
            patch.setattr(check, "_screen_errors", lambda *args: None)
        results = [check.check_partition(frame, plan, context) for frame in frames]
    return check.concat_frames([r.errors for r in results], check.ERROR_COLUMNS)


@pytest.mark.parametrize("context_name", ["hst_0729.pmap", "jwst_0541.pmap"])
@pytest.mark.parametrize("allow_bad_references", [False, True])
@pytest.mark.parametrize("undefined_matter", [True, False])
def test_screen_equals_the_full_comparison(saves, monkeypatch, context_name, allow_bad_references, undefined_matter):
    request = check.CheckRequest(new_context=context_name, allow_bad_references=allow_bad_references,
                                 compare=CompareOptions(undefined_matter, undefined_matter, False))
    planned = check.plan_check(request)
    frames = _partitions(saves[context_name], planned)
    context = load_mapping(context_name)
    bad = _common_references(frames, context)
    plan = dataclasses.replace(planned.plan, base=dataclasses.replace(planned.plan.base, bad_references=bad))
    screened = _errors(frames, plan, context, False, monkeypatch)
    full = _errors(frames, plan, context, True, monkeypatch)
    pd.testing.assert_frame_equal(screened, full)
    messages = screened["message"].astype(str)
    assert messages.str.contains(" is bad. Use is not recommended").sum() > 20
    assert (screened["level"] == ("warning" if allow_bad_references else "error")).sum() > 20
    assert messages.str.contains("FAILED|No match found").sum() > 20
    if context_name.startswith("jwst"):
        assert messages.str.startswith("Failed processing (new context)").sum() >= 3


def test_datasets_failed_at_an_earlier_type_get_no_errors():
    """A dataset crds failed at an unresolved result of an earlier type is not looked at again."""
    import numpy as np

    from crds_batch.batch.error_rows import error_frame_of_pieces
    from crds_batch.batch.partition import AffectedPlan, _lookup_errors
    from crds_batch.batch.unresolved import UnresolvedStops

    ids = np.array(["A", "B", "C"], dtype=object)
    plan = AffectedPlan("", "hst_0729.pmap", "hst", {"acs": None}, options=CompareOptions(True, True, False),
                        bad_references=frozenset({"bad.fits"}), old_source="none")
    tied = pd.Series(pd.Categorical(["('x.fits', 'y.fits')", "a.fits", "a.fits"]))
    later = pd.Series(pd.Categorical(["NOT FOUND boom", "NOT FOUND boom", "bad.fits"]))
    screened, full = UnresolvedStops(3), UnresolvedStops(3)
    for stops in (screened, full):
        stops.apply(check.compare_type(None, tied, plan.options), "aaa", None, tied, with_old=False)
        assert stops.alive.tolist() == [False, True, True]
    assert check._screen_errors("aaa", tied, 3, plan, screened) is None  # unresolved: the full path
    mine = error_frame_of_pieces(ids, "acs", check._screen_errors("bbb", later, 3, plan, screened))
    result = check.compare_type(None, later, plan.options)
    result["update"] = result["present"] & ~result["killed"]
    full.apply(result, "bbb", None, later, with_old=False)
    result["old_error"] = np.full(3, None, dtype=object)
    theirs = error_frame_of_pieces(ids, "acs", [piece for _kind, piece in _lookup_errors("bbb", result, plan)])
    pd.testing.assert_frame_equal(mine, theirs)
    assert mine["dataset_id"].tolist() == ["B", "C"]
