"""A partition's results worked out per distinct value and by row position equal the per-row definitions.

The comparison, change rows, error rows, update counts, products and tally are built from the
result columns' codes (no Python object per row); each test here states the per-row rule
independently (crds's normalization row by row, id matching) and checks the coded result against it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from crds_batch.batch.compare import CompareOptions, compare_type, normalize, stop_at_unresolved
from crds_batch.batch.error_rows import error_frame_of_pieces
from crds_batch.batch.graph import partition_frames
from crds_batch.batch.partition import (CHANGE_COLUMNS, AffectedPlan, _changes_frame, _lookup_errors,
                                        affected_partition, dataset_ids, row_outcomes, select_rows, tally)
from crds_batch.batch.parts import GatheredParts, PartSummary, ResultParts, count_updates, summarize
from crds_batch.batch.plan import AffectedRequest, plan_affected
from crds_batch.rules.loading import load_mapping
from crds_batch.store import Store, ingest
from crds_batch.synth import generate, write_save

VALUES = ["jref$a.fits", "b.fits", "B.FITS", "NOT FOUND n/a", "NOT FOUND no match found.", "NOT FOUND  bad 'x'",
          "NOT FOUND  bad 'y'", "('c.fits', 'd.fits')", "*", None]


def _column(rng, n: int, values=VALUES) -> pd.Series:
    """A result column as the engine gives it: a Categorical whose categories include values no row has."""
    picked = rng.choice(np.array(values[:-2], dtype=object), n)
    picked[rng.random(n) < 0.1] = None
    return pd.Series(pd.Categorical(picked, categories=sorted({v for v in values if v is not None})))


def _row_normalized(column: pd.Series | None, n: int, which: str, options: CompareOptions) -> list[tuple]:
    raw = [None] * n if column is None else column.astype(object).where(column.notna(), None).tolist()
    return [normalize(value, which, options) for value in raw]


def _compared(seed: int, n: int = 400, options: CompareOptions = CompareOptions()):
    rng = np.random.default_rng(seed)
    kinds = ["biasfile", "darkfile", "pfltfile"]
    columns = {kind: (_column(rng, n), _column(rng, n)) for kind in kinds}
    columns["darkfile"] = (None, columns["darkfile"][1])  # a type only the new context has
    ids = np.array([f"ID{i:04d}" for i in range(n)], dtype=object)
    alive = np.ones(n, dtype=bool)
    compared = []
    for kind in kinds:
        old, new = columns[kind]
        result = compare_type(old, new, options)
        fails = stop_at_unresolved(result, alive, with_old=True)
        alive &= ~fails
        compared.append((kind, result))
    return ids, columns, compared, alive


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_changes_frame_is_the_row_by_row_changes_of_the_datasets_kept(seed):
    ids, columns, compared, alive = _compared(seed)
    frame = _changes_frame(pd.array(ids, dtype="str"), "ACS", compared, alive)
    expected = []
    for kind, _result in compared:
        old, new = columns[kind]
        olds = _row_normalized(old, len(ids), "Old:", CompareOptions())
        news = _row_normalized(new, len(ids), "New:", CompareOptions())
        for row in np.flatnonzero(alive):
            (new_ok, new_value, _), (_, old_value, _) = news[row], olds[row]
            present = (old is not None and pd.notna(old[row])) or pd.notna(new[row])
            if present and (not new_ok or new_value != old_value):
                expected.append((ids[row], "acs", kind, old_value, new_value, "update" if new_ok else "failed"))
    assert expected  # the comparison means something
    assert list(frame.columns) == CHANGE_COLUMNS
    assert list(frame.astype(object).itertuples(index=False, name=None)) == expected
    assert all(isinstance(frame[name].dtype, pd.CategoricalDtype) for name in CHANGE_COLUMNS[1:])
    # Categories in order of first appearance over the types' normalized values (the per-type frames' union).
    seen = list(dict.fromkeys(v for _kind, r in compared if (r["update"] | r["killed"])[alive].any()
                              for v in r["new_column"].value.tolist()))
    assert frame["new"].cat.categories.tolist() == seen


@pytest.mark.parametrize("seed", [4, 5])
def test_lookup_errors_are_the_row_by_row_messages_and_mark_the_failed_rows(seed):
    options = CompareOptions(differences_are_errors=True)
    ids, columns, compared, alive = _compared(seed, options=options)
    plan = AffectedPlan("old.pmap", "new.pmap", "hst", {}, options=options, bad_references=frozenset({"b.fits"}))
    dataset_alive = np.ones(len(ids), dtype=bool)
    for kind, result in compared:
        failed = np.zeros(len(ids), dtype=bool)
        pieces = [piece for _kind, piece in _lookup_errors(kind, result, plan, failed)]
        frame = error_frame_of_pieces(pd.array(ids, dtype="str"), "acs", pieces)
        got = list(frame.itertuples(index=False, name=None))
        old, new = columns[kind]
        olds = _row_normalized(old, len(ids), "Old:", options)
        news = _row_normalized(new, len(ids), "New:", options)
        unresolved_old = np.array([isinstance(v, str) and v.startswith("(") for v in
                                   (old.astype(object) if old is not None else [None] * len(ids))])
        unresolved_new = np.array([isinstance(v, str) and v.startswith("(") for v in new.astype(object)])
        fails = dataset_alive & (unresolved_old | unresolved_new)
        keep = dataset_alive & ~fails
        present = (old.notna().to_numpy() if old is not None else False) | new.notna().to_numpy()
        expected_old = [(ids[r], "acs", kind, olds[r][2], "error") for r in range(len(ids))
                        if present[r] and dataset_alive[r] and not unresolved_old[r] and olds[r][2]]
        expected_new = [(ids[r], "acs", kind, news[r][2], "error") for r in range(len(ids))
                        if present[r] and keep[r] and news[r][2]]
        update = [present[r] and keep[r] and news[r][0] and news[r][1] != olds[r][1] for r in range(len(ids))]
        expected_bad = [(ids[r], "acs", kind, f"File {news[r][1]!r} is bad. Use is not recommended,  results may "
                         "not be scientifically valid.", "error") for r in range(len(ids))
                        if update[r] and news[r][1].lower() == "b.fits"]
        difference = [r for r in range(len(ids)) if update[r] and "N/A" not in (olds[r][1], news[r][1])]
        expected_difference = [(ids[r], "acs", kind, f"Comparison difference: {olds[r][1].lower()!r} --> "
                                f"{news[r][1].lower()!r} :: Would update.", "error") for r in difference]
        assert got == expected_old + expected_new + expected_difference + expected_bad
        assert failed.tolist() == [any(row[0] == i for row in got) for i in ids]
        dataset_alive &= ~fails


def test_error_arrays_set_per_row_take_precedence_over_the_codes():
    """check-context sets ``old_error`` (no old side): the rows with an error follow the array it sets."""
    ids, _columns, compared, _alive = _compared(6)
    _kind, result = compared[0]
    assert result["old_error_rows"].any()
    result["old_error"] = np.full(len(ids), None, dtype=object)
    plan = AffectedPlan("old.pmap", "new.pmap", "hst", {})
    pieces = [piece for _kind, piece in _lookup_errors("biasfile", result, plan)]
    assert not result["old_error_rows"].any()
    assert all(not message.startswith("Old:") for _rows, _kind, _level, messages in pieces
               for message in messages.to_pylist())
    expected_new = np.where(result["new_error_rows"], result["new_column"].row_error(), None)
    assert result["new_error"].tolist() == expected_new.tolist()  # made from the codes when read


def test_update_counts_are_counted_on_codes_like_the_text_values():
    rng = np.random.default_rng(7)
    n = 500
    frame = pd.DataFrame({
        "instrument": pd.Categorical(rng.choice(["acs", "wfc3"], n), categories=["wfc3", "acs", "stis"]),
        "filekind": pd.Categorical(rng.choice(["biasfile", "darkfile"], n), categories=["darkfile", "x", "biasfile"]),
        "status": pd.Categorical(rng.choice(["update", "failed"], n), categories=["update", "failed"]),
    })
    updates = frame.astype(str).loc[frame["status"] == "update"]
    expected = updates.groupby(["instrument", "filekind"]).size().to_dict()
    assert count_updates(frame) == expected
    assert count_updates(frame.astype(object)) == expected


def _summary(products: list[str], parts: ResultParts) -> PartSummary:
    return summarize(pd.DataFrame(columns=CHANGE_COLUMNS), pa.array(products, pa.string()), parts)


@pytest.mark.parametrize("parts", [[["j1", "j2"], ["i1", "i3"], ["o1"]],  # ranges apart, not in partition order
                                   [["j1", "j3"], ["j2", "j4"], ["i1", "j3"]]])  # overlapping
def test_products_of_partitions_are_sorted_and_unique(parts, tmp_path):
    where = ResultParts(str(tmp_path))
    gathered = GatheredParts(where, [_summary(p, where) for p in parts] + [_summary([], where)])
    expected = sorted({p for part in parts for p in part})
    assert gathered.products().to_pylist() == expected
    assert gathered.product_count() == len(expected)
    assert b"".join(gathered.product_text_chunks()).decode().splitlines() == expected


@pytest.fixture(scope="module")
def partition(tmp_path_factory):
    base = tmp_path_factory.mktemp("coded")
    save = base / "hst.json"
    write_save(generate("hst_0729.pmap", 800, seed=8, invalid_fraction=0.1), str(save))
    ingest([str(save)], str(base / "store"), row_group_size=400)
    planned = plan_affected(AffectedRequest("hst_0650.pmap", "hst_0729.pmap", diffs_only=False, datasets_since=None))
    frames = [task.frame.compute() for task in partition_frames(Store(str(base / "store")), planned.columns)]
    return planned.plan, pd.concat(frames, ignore_index=True)  # several instruments in one partition


def test_tally_from_row_positions_equals_matching_ids(partition):
    plan, frame = partition
    result = affected_partition(frame, plan, load_mapping(plan.old_context), load_mapping(plan.new_context))
    failed = result.errors.loc[result.errors["level"] == "error", "dataset_id"].to_numpy(dtype=object)
    affected = np.asarray(result.affected_ids.to_pylist(), dtype=object)
    selected = select_rows(frame, plan)
    assert len(set(selected.instruments)) > 1 and len(failed) and len(affected)
    by_ids = tally(selected, row_outcomes(selected.frame, affected, failed))
    assert result.tally.to_dict("records") == by_ids.to_dict("records")
    assert set(result.tally["outcome"]) == {"ok", "affected", "failed"}
    assert dataset_ids(frame).tolist() == frame["dataset_id"].astype(str).tolist()
