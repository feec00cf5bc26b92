"""The context diff prunes: rows whose plan only touched unchanged Match choices keep the earlier context's results.

When the old and the new rmap of a type differ only in some Match choices, the second
context evaluated over a shared :class:`EncodedTable` (as ``affected`` does) takes the
first context's results for the rows whose plan touched none of the changed choices,
and plans and resolves dates only for the others.  Its results must equal a fresh
evaluation of the new context, value for value.
"""
from __future__ import annotations

import pandas as pd
import pytest

from crds_batch.engine import evaluate as evaluator
from crds_batch.engine.compile import instrument_programs
from crds_batch.engine.evaluate import encode_table, evaluate
from crds_batch.rules.loading import clear_cache, load_context
from tests.conftest import CACHE
from tests.rules.tiny_cache import make_cache, rmap, write_case

synth = pytest.importorskip("crds_batch.synth")

DATES = "('DATE-OBS', 'TIME-OBS')"


def _useafter(*pairs: tuple[str, str]) -> str:
    return "UseAfter({\n" + "".join(f"        '{date}' : '{name}',\n" for date, name in pairs) + "    })"


def _match(rows: dict[tuple[str, str], str]) -> str:
    return "Match({\n" + "".join(f"    {key!r} : {value},\n" for key, value in rows.items()) + "})"


UNCHANGED = {
    ("HRC", "F2"): _useafter(("2001-01-01 00:00:00", "hrc_f2.fits")),
    ("WFC", "F1"): _useafter(("2005-01-01 00:00:00", "wfc_f1.fits")),
    ("SBC", "F1"): "'sbc_f1.fits'",
}
OLD = {**UNCHANGED, ("HRC", "F1"): _useafter(("2001-01-01 00:00:00", "hrc_f1_old.fits")),
       ("WFC", "N/A"): _useafter(("2000-01-01 00:00:00", "wfc_any_old.fits"))}
NEW = {**UNCHANGED, ("HRC", "F1"): _useafter(("2001-01-01 00:00:00", "hrc_f1_new.fits")),
       ("WFC", "N/A"): _useafter(("2000-01-01 00:00:00", "wfc_any_new.fits"))}

ROWS = pd.DataFrame([
    # detector, filter, date: expected new result
    ("HRC", "F2", "2003-01-01"),  # unchanged choice: carried over
    ("SBC", "F1", "2003-01-01"),  # unchanged terminal: carried over
    ("HRC", "F1", "2003-01-01"),  # changed choice
    ("WFC", "F2", "2003-01-01"),  # only the changed N/A (any filter, weaker) key matches
    # The best group (WFC, F1) is unchanged but has no date <= 2003: the chain goes on to the changed
    # (WFC, N/A) group, so the plan touched a changed choice and must not be carried over.
    ("WFC", "F1", "2003-01-01"),
    ("WFC", "F1", "2007-01-01"),
    ("HRC", "F1", "1999-01-01"),  # changed choice, no date: failure text
    ("HRC", "F2", "junk"),  # unchanged choice, bad date: failure text carried over
] * 40, columns=["DETECTOR", "FILTER1", "DATE-OBS"]).assign(INSTRUME="ACS", **{"TIME-OBS": "00:00:00"})


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    root = make_cache(tmp_path / "crds", CACHE)
    monkeypatch.setenv("CRDS_PATH", str(root))
    yield root
    clear_cache()


def _pair(tiny, old_rows, new_rows, new_header: str = ""):
    parkey = f"(('DETECTOR', 'FILTER1'), {DATES})"
    old = write_case(tiny, "carryold", {"pfltfile": rmap(parkey, _match(old_rows))})
    new = write_case(tiny, "carrynew", {"pfltfile": rmap(parkey, _match(new_rows), new_header)})
    return load_context(old), load_context(new)


def _carried_rows(monkeypatch) -> list[int]:
    """Counts, per call, of the earlier plans found to carry over (spied)."""
    counts: list[int] = []
    real = evaluator._carried_result

    def spy(earlier, program, *rest):
        found = real(earlier, program, *rest)
        carried = program.carried_from(earlier.program)
        if found is not None and carried is not None:
            counts.append(sum(evaluator.plan_carries_over(plan, carried) for plan in earlier.plans))
        return found

    monkeypatch.setattr(evaluator, "_carried_result", spy)
    return counts


def test_rows_touching_only_unchanged_choices_are_carried_and_results_equal_a_fresh_evaluation(tiny, monkeypatch):
    old, new = _pair(tiny, OLD, NEW)
    carried = _carried_rows(monkeypatch)
    planned: list[tuple] = []
    real_plan = evaluator.RmapProgram.plan
    monkeypatch.setattr(evaluator.RmapProgram, "plan",
                        lambda self, key, dates=None: planned.append((self.rmap.basename, key))
                        or real_plan(self, key, dates))
    shared = encode_table(ROWS, "hst")
    old_results = evaluate(old, shared)
    together = evaluate(new, shared)["pfltfile"].astype(object)
    new_planned = {key[:2] for name, key in planned if name.startswith("hst_carrynew")}
    alone = evaluate(new, ROWS)["pfltfile"].astype(object)
    assert together.equals(alone)
    assert carried == [2]  # the groups (HRC, F2) and (SBC, F1)
    assert new_planned == {("HRC", "F1"), ("WFC", "F2"), ("WFC", "F1")}
    expected = ["hrc_f2.fits", "sbc_f1.fits", "hrc_f1_new.fits", "wfc_any_new.fits", "wfc_any_new.fits",
                "wfc_f1.fits"]
    assert together[:6].tolist() == expected
    assert together[6].startswith("NOT FOUND") and together[7].startswith("NOT FOUND")
    assert (old_results["pfltfile"].astype(object) != together).any()  # carrying everything would be wrong


@pytest.mark.parametrize("change", ["keys", "header"])
def test_rmaps_differing_in_more_than_choices_carry_nothing(tiny, monkeypatch, change):
    new_rows, header = dict(NEW), ""
    if change == "keys":
        new_rows[("HRC", "F3")] = "'hrc_f3.fits'"
    else:
        header = "    'rmap_relevance' : '(DETECTOR != \"SBC\")',\n"
    old, new = _pair(tiny, OLD, new_rows, header)
    keys = ["DETECTOR", "FILTER1", "DATE-OBS", "TIME-OBS"]
    old_program = instrument_programs(old.get_imap("ACS"), keys)["pfltfile"]
    new_program = instrument_programs(new.get_imap("ACS"), keys)["pfltfile"]
    assert new_program.carried_from(old_program) is None
    carried = _carried_rows(monkeypatch)
    shared = encode_table(ROWS, "hst")
    evaluate(old, shared)
    together = evaluate(new, shared)["pfltfile"].astype(object)
    assert together.equals(evaluate(new, ROWS)["pfltfile"].astype(object))
    assert carried == []


@pytest.mark.parametrize("instrument", ["ACS", "COS", "STIS", "WFC3"])
def test_real_context_diff_carried_results_equal_fresh_evaluation(instrument, monkeypatch):
    """hst_0650 -> hst_0729 (the benchmark's pair): types changed in a few choices carry most rows over."""
    frame = next(synth.generate("hst_0729.pmap", 3000, seed=11, instruments=[instrument.lower()],
                                odd_date_fraction=0.2, invalid_fraction=0.05, chunk_size=3000))
    frame = frame.drop(columns=["dataset_id"])
    old, new = load_context("hst_0650.pmap"), load_context("hst_0729.pmap")
    carried = _carried_rows(monkeypatch)
    shared = encode_table(frame, "hst")
    evaluate(old, shared, observatory="hst")
    together = evaluate(new, shared, observatory="hst")
    alone = evaluate(new, frame, observatory="hst")
    assert list(together.columns) == list(alone.columns)
    for kind in together.columns:
        assert together[kind].astype(object).equals(alone[kind].astype(object)), kind
    assert sum(carried) > 0
