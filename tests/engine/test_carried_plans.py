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
    # detector, filter, date
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
    ("SBC", "F2", "2003-01-01"),  # no key matches (unless added)
    ("HRC", "F3", "2003-01-01"),  # F3 is no valid FILTER1 (unless a key has it)
] * 40, columns=["DETECTOR", "FILTER1", "DATE-OBS"]).assign(INSTRUME="ACS", **{"TIME-OBS": "00:00:00"})

#: A relevance reading the Match columns keeps them out of the value classes (their values are the key).
READ_BY_RELEVANCE = "    'rmap_relevance' : '(DETECTOR != \"XYZ\" and FILTER1 != \"XYZ\")',\n"

#: scenario -> (old rows, new rows, header of both, groups carried over, groups the new rmap plans)
SCENARIOS = {
    # Same keys: what touched only unchanged choices, failed the same checks or matched nothing.
    "choices": (OLD, NEW, "", {"HRC F2", "SBC F1", "SBC F2", "HRC F3"}, {"HRC F1", "WFC F2", "WFC F1"}),
    # A key added: the rows it matches (SBC F2) and the plans it would join are planned again.
    "key added": (OLD, {**NEW, ("SBC", "F2"): "'sbc_f2.fits'"}, READ_BY_RELEVANCE,
                  {"HRC F2", "SBC F1", "HRC F3"}, {"HRC F1", "WFC F2", "WFC F1", "SBC F2"}),
    # A key removed, the parameter checks unchanged: its rows are planned again.
    "key removed": ({**OLD, ("WFC", "F2"): "'wfc_f2.fits'"}, NEW, READ_BY_RELEVANCE,
                    {"HRC F2", "SBC F1", "SBC F2", "HRC F3"}, {"HRC F1", "WFC F2", "WFC F1"}),
    # A key removed with the only FOO detector: the checks narrow, so no plan that passed them carries over.
    "check narrowed": ({**OLD, ("FOO", "F1"): "'foo_f1.fits'"}, NEW, READ_BY_RELEVANCE,
                       set(), {"HRC F2", "SBC F1", "HRC F1", "WFC F2", "WFC F1", "SBC F2", "HRC F3"}),
}


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    root = make_cache(tmp_path / "crds", CACHE)
    monkeypatch.setenv("CRDS_PATH", str(root))
    yield root
    clear_cache()


def _pair(tiny, old_rows, new_rows, header: str = "", new_header: str | None = None):
    parkey = f"(('DETECTOR', 'FILTER1'), {DATES})"
    old = write_case(tiny, "carryold", {"pfltfile": rmap(parkey, _match(old_rows), header)})
    new = write_case(tiny, "carrynew", {"pfltfile": rmap(parkey, _match(new_rows),
                                                         header if new_header is None else new_header)})
    return load_context(old), load_context(new)


def _group_plans(earlier) -> list:
    """Each group's plan of an earlier evaluation (None: not planned)."""
    return [earlier.plans.distinct[number] if number >= 0 else None for number in earlier.plans.number.tolist()]


def _carried_groups(monkeypatch) -> list[set[str]]:
    """Per carried evaluation, the earlier plans' "DETECTOR FILTER1" found to carry over (spied)."""
    found: list[set[str]] = []
    real = evaluator._carried_result

    def spy(earlier, program, minimized, n, *rest):
        result = real(earlier, program, minimized, n, *rest)
        carry = program.carried_from(earlier.program)
        if result is not None and carry is not None:
            names = [" ".join(minimized[key].values[minimized[key].codes[row]] for key in ("DETECTOR", "FILTER1"))
                     for row in range(n)]
            groups = {names[row] for row in range(n)
                      if evaluator.plan_carries_over(_group_plans(earlier)[earlier.gid[row]], carry)}
            found.append(groups)
        return result

    monkeypatch.setattr(evaluator, "_carried_result", spy)
    return found


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_plans_carried_over_give_the_results_of_a_fresh_evaluation(tiny, monkeypatch, scenario):
    old_rows, new_rows, header, carried_groups, planned_groups = SCENARIOS[scenario]
    old, new = _pair(tiny, old_rows, new_rows, header)
    carried = _carried_groups(monkeypatch)
    planned: list[tuple] = []
    real_plan = evaluator.RmapProgram.plan
    monkeypatch.setattr(evaluator.RmapProgram, "plan",
                        lambda self, key, dates=None: planned.append((self.rmap.basename, key))
                        or real_plan(self, key, dates))
    shared = encode_table(ROWS, "hst")
    old_results = evaluate(old, shared)
    together = evaluate(new, shared)["pfltfile"].astype(object)
    new_planned = {" ".join(key[:2]) for name, key in planned if name.startswith("hst_carrynew")}
    alone = evaluate(new, ROWS)["pfltfile"].astype(object)
    assert together.equals(alone)
    assert carried == [carried_groups]
    assert new_planned == planned_groups
    assert (old_results["pfltfile"].astype(object) != together).any()  # carrying everything would be wrong


def test_carried_results_are_the_expected_files(tiny):
    old, new = _pair(tiny, OLD, NEW)
    shared = encode_table(ROWS, "hst")
    evaluate(old, shared)
    together = evaluate(new, shared)["pfltfile"].astype(object)
    expected = ["hrc_f2.fits", "sbc_f1.fits", "hrc_f1_new.fits", "wfc_any_new.fits", "wfc_any_new.fits",
                "wfc_f1.fits"]
    assert together[:6].tolist() == expected
    assert all(value.startswith("NOT FOUND") for value in together[6:10])


@pytest.mark.parametrize("change", ["header", "parameters"])
def test_rmaps_differing_in_more_than_the_match_table_carry_nothing(tiny, monkeypatch, change):
    new_header, new_rows = "", NEW
    if change == "header":
        new_header = "    'rmap_relevance' : '(DETECTOR != \"SBC\")',\n"
    old, new = _pair(tiny, OLD, new_rows, "", new_header)
    keys = ["DETECTOR", "FILTER1", "DATE-OBS", "TIME-OBS"]
    old_program = instrument_programs(old.get_imap("ACS"), keys)["pfltfile"]
    new_program = instrument_programs(new.get_imap("ACS"), keys)["pfltfile"]
    if change == "parameters":  # the same rmap but for the Match parameters' order
        new_program = evaluator.RmapProgram(new_program.rmap, old_program.key_columns, old_program.date_columns,
                                            True, reducible=old_program.reducible)
        new_program.rmap.selector.parameters = ("FILTER1", "DETECTOR")
    try:
        assert new_program.carried_from(old_program) is None
    finally:
        new_program.rmap.selector.parameters = ("DETECTOR", "FILTER1")
    if change == "header":
        carried = _carried_groups(monkeypatch)
        shared = encode_table(ROWS, "hst")
        evaluate(old, shared)
        together = evaluate(new, shared)["pfltfile"].astype(object)
        assert together.equals(evaluate(new, ROWS)["pfltfile"].astype(object))
        assert carried == []


def _carried_groups_count(monkeypatch) -> list[int]:
    counts: list[int] = []
    real = evaluator._carried_result

    def spy(earlier, program, *rest):
        result = real(earlier, program, *rest)
        carry = program.carried_from(earlier.program)
        if result is not None and carry is not None:
            counts.append(sum(evaluator.plan_carries_over(plan, carry) for plan in _group_plans(earlier)))
        return result

    monkeypatch.setattr(evaluator, "_carried_result", spy)
    return counts


@pytest.mark.parametrize("instrument", ["ACS", "COS", "STIS", "WFC3"])
def test_real_context_diff_carried_results_equal_fresh_evaluation(instrument, monkeypatch):
    """hst_0650 -> hst_0729 (the benchmark's pair): types changed in a few choices carry most rows over."""
    frame = next(synth.generate("hst_0729.pmap", 3000, seed=11, instruments=[instrument.lower()],
                                odd_date_fraction=0.2, invalid_fraction=0.05, chunk_size=3000))
    frame = frame.drop(columns=["dataset_id"])
    old, new = load_context("hst_0650.pmap"), load_context("hst_0729.pmap")
    carried = _carried_groups_count(monkeypatch)
    shared = encode_table(frame, "hst")
    evaluate(old, shared, observatory="hst")
    together = evaluate(new, shared, observatory="hst")
    alone = evaluate(new, frame, observatory="hst")
    assert list(together.columns) == list(alone.columns)
    for kind in together.columns:
        assert together[kind].astype(object).equals(alone[kind].astype(object)), kind
    assert sum(carried) > 0
