"""What the client gathers stays compact: error rows as Categoricals, affected ids as one sorted Arrow array.

At 10M datasets (all types) the client gathered 2.2M error rows as ``str`` columns (~450 MB) and, without
parts, the affected ids as a list of Python strings; these tests pin the compact forms and that every
reader of the error rows gives what it gave from plain strings.
"""
from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from crds_batch.batch.affected import run_affected
from crds_batch.batch.cluster import ClusterOptions
from crds_batch.batch.error_rows import error_frame, error_frame_of_pieces, error_frame_of_runs
from crds_batch.batch.frames import concat_frames
from crds_batch.batch.partition import ERROR_COLUMNS
from crds_batch.batch.plan import AffectedRequest
from crds_batch.batch.results import sorted_ids
from crds_batch.batch.unique_errors import classify, error_totals
from crds_batch.store import Store, ingest
from crds_batch.synth import generate, write_save

CODED = ["instrument", "filekind", "message", "level"]


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    base = tmp_path_factory.mktemp("compact")
    save = base / "hst.json"
    write_save(generate("hst_0729.pmap", 1500, seed=5, invalid_fraction=0.08), str(save))
    ingest([str(save)], str(base / "store"), row_group_size=50)  # many partitions: categories united
    request = AffectedRequest("hst_0650.pmap", "hst_0729.pmap", diffs_only=False, datasets_since=None)
    return run_affected(request, Store(str(base / "store")), ClusterOptions(synchronous=True))


def test_gathered_error_rows_are_categorical(result):
    errors = result.errors
    assert len(errors) > 100 and errors["message"].nunique() < len(errors)
    assert list(errors.columns) == ERROR_COLUMNS
    assert isinstance(errors["dataset_id"].dtype, pd.StringDtype)
    for name in CODED:
        assert isinstance(errors[name].dtype, pd.CategoricalDtype), name
        assert isinstance(errors[name].cat.categories.dtype, pd.StringDtype), name
    # Each text once: the coded columns take a few bytes a row, the messages as strings ~100.
    coded = errors[CODED].memory_usage(deep=True, index=False).sum()
    as_text = errors[CODED].astype(str).memory_usage(deep=True, index=False).sum()
    assert coded * 4 < as_text


def test_error_classes_and_totals_same_as_from_text(result):
    errors = result.errors
    text = errors.astype(str)
    assert classify(errors) == classify(text)
    assert error_totals(errors) == error_totals(text)
    assert classify(errors).classes  # the store's invalid values fail lookups


def test_bad_context_reports_and_dataset_failures_from_categoricals():
    """The per-instrument reports (id ALL) and dataset-level failures read from coded frames as from text."""
    frames = [
        error_frame(pd.array(["B:B", "A:A", "C:C"], dtype="str"), "acs", "biasfile",
                    ["New: Bestref FAILED:  x", "New: Bestref FAILED:  x", "New: Bestref FAILED:  y"], "error"),
        error_frame(["ALL"], "acs", "ALL", ["bad context"], "error"),
        error_frame(["ALL"], "acs", "ALL", ["bad context"], "error"),  # a second partition's report
        error_frame(pd.array(["Z:Z", "D:D"], dtype="str"), "foo", "", ["Failed processing: nope"] * 2, "error"),
        error_frame(pd.array(["E:E"], dtype="str"), "acs", "darkfile", ["warned"], "warning"),
    ]
    errors = concat_frames(frames, ERROR_COLUMNS)
    assert all(isinstance(errors[name].dtype, pd.CategoricalDtype) for name in CODED)
    unique = classify(errors)
    assert unique == classify(errors.astype(str)) and error_totals(errors) == error_totals(errors.astype(str))
    assert (unique.tracked, unique.untracked) == (4, 2)
    assert unique.dataset_failures == (("D:D", "Failed processing: nope"), ("Z:Z", "Failed processing: nope"))


def test_affected_ids_one_sorted_arrow_array(result):
    ids = result.affected_ids
    assert isinstance(ids, pa.Array) and ids.type == pa.string() and len(ids) > 100
    assert ids.to_pylist() == sorted(ids.to_pylist())


def test_sorted_ids_sort_as_python():
    rng = random.Random(9)
    alphabet = "ABCabc019:_-ÉéİßЖ"
    ids = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9))) for _ in range(3000)]
    pieces = [pa.array(ids[:1000], pa.string()), ids[1000:2000], pa.array(ids[2000:], pa.large_string()), []]
    assert sorted_ids(pieces).to_pylist() == sorted(ids)
    assert sorted_ids([]).to_pylist() == [] and sorted_ids([[], pa.array([], pa.string())]).type == pa.string()


def test_error_frame_keeps_missing_messages_missing():
    frame = error_frame(np.array(["A", "B"], dtype=object), "acs", "biasfile", pa.array(["x", None]), "error")
    assert frame["message"].isna().tolist() == [False, True] and frame["message"].iloc[0] == "x"


def test_error_runs_make_the_frame_of_their_frames_concatenated():
    """One frame built from runs of error rows equals the runs' own frames concatenated: values, dtypes and the
    categories' order (first seen), empty runs adding no category."""
    rng = random.Random(5)
    runs, ids = [], []
    for number in range(60):
        count = rng.choice([0, 1, 3, 20])
        ids += [f"D{number}:{i}" for i in range(count)]
        messages = [rng.choice(["m1", "m2", "m3", None, f"m{number}"]) for _ in range(count)]
        runs.append((rng.choice(["biasfile", "darkfile", "flatfile"]), rng.choice(["error", "warning"]),
                     pa.array(messages, pa.string()) if number % 2 else messages))
    frames, start = [], 0
    for filekind, level, messages in runs:
        frames.append(error_frame(pd.array(ids[start:start + len(messages)], dtype="str"), "acs", filekind,
                                  messages, level))
        start += len(messages)
    joined = concat_frames(frames, ERROR_COLUMNS)
    one = error_frame_of_runs(pd.array(ids, dtype="str"), "acs", runs)
    pd.testing.assert_frame_equal(one, joined)
    for column in ("filekind", "message", "level"):
        assert one[column].cat.categories.tolist() == joined[column].cat.categories.tolist()
    order = list(range(len(ids)))[::-1]
    pieces = [(np.array(order[:5]), "biasfile", "error", ["a"] * 5), (np.array(order[5:7]), "darkfile", "error", ["b"] * 2)]
    assert error_frame_of_pieces(pd.array(ids, dtype="str"), "acs", pieces)["dataset_id"].tolist() == \
        [ids[i] for i in order[:7]]


def _counter_most_common(errors: pd.DataFrame, count: int):
    from collections import Counter

    errors = errors[errors["level"] == "error"].astype(str)
    return Counter(zip(errors["instrument"], errors["filekind"], errors["message"])).most_common(count)


def test_most_common_errors_as_counter(result):
    """The summary's most common errors: counts, and ties in order of first appearance, as Counter gives them."""
    from crds_batch.batch.unique_errors import most_common

    errors = result.errors
    for count in (5, 40, len(errors)):
        assert most_common(errors, count) == _counter_most_common(errors, count)
    rng = random.Random(4)
    rows = [(f"D{i}", rng.choice("ab"), rng.choice("xyz"), rng.choice("mnop"), rng.choice(["error", "warning"]))
            for i in range(400)]
    text = pd.DataFrame(rows, columns=ERROR_COLUMNS)
    coded = concat_frames([error_frame(pd.array([i], dtype="str"), instrument, kind, [message], level)
                          for i, instrument, kind, message, level in rows], ERROR_COLUMNS)
    assert most_common(coded, 100) == most_common(text, 100) == _counter_most_common(text, 100)
    assert most_common(coded.iloc[:0], 5) == []


def test_errors_written_a_row_group_at_a_time_as_at_once(result, tmp_path):
    """errors.parquet converted to text a row group at a time holds what the whole frame as text gives."""
    import pyarrow.parquet as pq

    from crds_batch.batch.results import write_text_parquet

    errors = result.errors
    errors.astype(str).to_parquet(tmp_path / "whole.parquet", index=False)
    write_text_parquet(errors, str(tmp_path / "chunked.parquet"), rows=100)
    whole, chunked = pq.read_table(tmp_path / "whole.parquet"), pq.read_table(tmp_path / "chunked.parquet")
    assert pq.ParquetFile(tmp_path / "chunked.parquet").metadata.num_row_groups == -(-len(errors) // 100)
    assert chunked.schema == whole.schema and chunked.schema.metadata == whole.schema.metadata
    assert chunked.equals(whole)
    write_text_parquet(errors, str(tmp_path / "one.parquet"))  # one row group: the whole frame's own file
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()


@pytest.mark.parametrize("diffs_only", [False, True])
def test_rows_in_slices_give_the_results_of_one_pass(tmp_path_factory, diffs_only):
    """A partition task evaluating its rows in slices (setting slice-cells) gives the same change rows, error
    rows, affected ids and tally, in the same order, as one pass over all the rows."""
    import dask.config

    base = tmp_path_factory.mktemp("slices")
    save = base / "hst.json"
    write_save(generate("hst_0729.pmap", 900, seed=13, invalid_fraction=0.1), str(save))
    ingest([str(save)], str(base / "store"), row_group_size=300)
    store = Store(str(base / "store"))
    request = AffectedRequest("hst_0650.pmap", "hst_0729.pmap", diffs_only=diffs_only,
                              datasets_since="auto" if diffs_only else None)
    whole = run_affected(request, store, ClusterOptions(synchronous=True))
    with dask.config.set({"crds_batch.slice-cells": 37 * 11}):
        sliced = run_affected(request, store, ClusterOptions(synchronous=True))
    for instrument, types in sliced.plan.types_evaluated.items():
        assert sliced.plan.slice_rows(instrument) == 37 * 11 // types and whole.plan.slice_rows(instrument) > 300
    assert len(whole.changes) > 100 and len(whole.errors) > 50
    for name in ("changes", "errors", "tally"):
        a, b = getattr(whole, name), getattr(sliced, name)
        assert a.astype(str).equals(b.astype(str)), name
    assert whole.affected_ids.equals(sliced.affected_ids) and whole.datasets == sliced.datasets
    assert whole.unique_errors() == sliced.unique_errors()
