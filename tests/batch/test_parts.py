"""Per-partition result parts: the same results, outputs and printed text as frames gathered by the client.

The in-memory run (no parts) is the reference: its lines, products, counts and
outputs are what the tests of crds parity check (tests/batch/test_affected_oracle.py
checks the parts path through the CLI against crds itself).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crds_batch.batch.affected import run_affected
from crds_batch.batch.cluster import ClusterOptions
from crds_batch.batch.frames import concat_frames
from crds_batch.batch.partition import CHANGE_COLUMNS
from crds_batch.batch.parts import GatheredParts, ResultParts, result_parts, summarize
from crds_batch.batch.plan import AffectedRequest
from crds_batch.batch.results import publish
from crds_batch.cli.main import main
from crds_batch.store import Store, ingest
from crds_batch.synth import generate, write_save

REQUEST = AffectedRequest("hst_0650.pmap", "hst_0729.pmap", diffs_only=False, datasets_since=None)
OUTPUTS = ("affected.txt", "errors.parquet", "summary.json", "update_counts.json")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    base = tmp_path_factory.mktemp("parts")
    save = base / "hst.json"
    write_save(generate("hst_0729.pmap", 1200, seed=21, invalid_fraction=0.05), str(save))
    ingest([str(save)], str(base / "store"), row_group_size=60)
    return Store(str(base / "store"))


@pytest.fixture(scope="module")
def expected(store, tmp_path_factory):
    result = run_affected(REQUEST, store, ClusterOptions(synchronous=True))
    result.write(str(tmp_path_factory.mktemp("expected")))
    return result


def _same_table(a: str, b: str) -> None:
    """Same columns, rows in the same order and values (as text)."""
    x, y = pq.read_table(a), pq.read_table(b)
    assert x.schema.names == y.schema.names and x.num_rows == y.num_rows
    for name in x.schema.names:
        assert x[name].cast(pa.string()).to_pylist() == y[name].cast(pa.string()).to_pylist(), name


def _check_same(result, expected, out, expected_out):
    assert expected.new_reference_lines() and expected.affected_products()  # the comparison means something
    assert result.new_reference_lines() == expected.new_reference_lines()
    assert result.affected_products() == expected.affected_products()
    assert result.update_counts() == expected.update_counts()
    assert result.summary() == expected.summary()
    assert result.affected_detail_lines() == expected.affected_detail_lines()
    result.write(str(out))
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (expected_out / name).read_bytes(), name
    _same_table(str(out / "changes.parquet"), str(expected_out / "changes.parquet"))
    assert sorted(os.listdir(out)) == sorted([*OUTPUTS, "changes.parquet"])  # no temporary left


@pytest.mark.parametrize("cluster", [ClusterOptions(synchronous=True),
                                     pytest.param(ClusterOptions(n_workers=2), marks=pytest.mark.cluster)],
                         ids=["in-process", "local-cluster"])
def test_parts_give_the_gathered_results(store, expected, tmp_path, cluster):
    expected_out = tmp_path / "expected"
    expected.write(str(expected_out))
    with result_parts(str(tmp_path / "out"), changes=True, lines=True) as parts:
        result = run_affected(REQUEST, store, cluster, parts=parts)
        assert result.changes.empty and len(result.affected_ids) == 0  # nothing bulky was gathered
        assert len(result.parts.summaries) > 1
        assert os.path.dirname(parts.directory) == str(tmp_path)  # beside the output, same file system
        _check_same(result, expected, tmp_path / "out", expected_out)
    assert not os.path.exists(parts.directory)


def test_parts_not_asked_for_are_not_written(store, expected, tmp_path):
    with result_parts(None, changes=False, lines=False) as parts:
        result = run_affected(REQUEST, store, ClusterOptions(synchronous=True), parts=parts)
        # Products and error rows are always parts; change rows and lines only when asked for.
        assert {name.split("-")[0] for name in os.listdir(parts.directory)} == {"products", "errors"}
        assert result.affected_products() == expected.affected_products()
        assert result.update_counts() == expected.update_counts()
        assert result.summary() == expected.summary()
        # The change rows were counted, not made (tasks that neither save nor print them).
        assert sum(summary.rows for summary in result.parts.summaries) == len(expected.changes) > 0
        assert (expected.changes["status"] == "failed").any()  # updates and failures told apart


def _split(changes: pd.DataFrame, pieces: int, seed: int) -> list[pd.DataFrame]:
    """Change rows dealt to ``pieces`` partitions at random: their id ranges overlap."""
    where = np.random.default_rng(seed).integers(0, pieces, len(changes))
    return [changes.loc[where == i].reset_index(drop=True) for i in range(pieces)]


def _gathered(frames, ids_per_frame, directory) -> GatheredParts:
    parts = ResultParts(str(directory), changes=True, lines=True)
    return GatheredParts(parts, [summarize(frame, ids, parts) for frame, ids in zip(frames, ids_per_frame)])


def test_overlapping_partitions_are_merged_in_crds_order(expected, tmp_path):
    """Partitions whose ids interleave (and a dataset's types in two partitions) print as one sorted run."""
    changes = expected.changes
    frames = _split(changes, 4, seed=5)
    ids = [list(frame.loc[frame["status"] == "update", "dataset_id"].unique()) for frame in frames]
    gathered = _gathered(frames, ids, tmp_path)
    text = b"".join(gathered.line_chunks()).decode()
    assert text.split("\n")[:-1] == expected.new_reference_lines()
    # Products spanning partitions are printed once.
    all_ids = [i for part in ids for i in part]
    from crds_batch.batch.results import affected_products

    assert gathered.products().to_pylist() == affected_products(all_ids)
    assert sum(s.products for s in gathered.summaries) > len(gathered.products()) == gathered.product_count()
    text = b"".join(gathered.product_text_chunks()).decode()  # overlapping ranges: made from the products
    assert text.split("\n")[:-1] == affected_products(all_ids)
    assert gathered.update_counts() == {(i, k): n for i, kinds in expected.update_counts().items()
                                        for k, n in kinds.items()}


def test_partitions_in_id_ranges_are_copied_in_key_order(expected, tmp_path):
    """Non-overlapping parts given out of order print in key order (the fast path)."""
    changes = expected.changes.sort_values("dataset_id", kind="stable").reset_index(drop=True)
    cut = len(changes) // 2
    while changes["dataset_id"].iloc[cut] == changes["dataset_id"].iloc[cut - 1]:
        cut += 1
    frames = [changes.iloc[cut:], changes.iloc[:cut]]  # the later ids first
    gathered = _gathered(frames, [[], []], tmp_path)
    first, second = gathered.summaries
    assert second.last_key < first.first_key
    text = b"".join(gathered.line_chunks()).decode()
    assert text.split("\n")[:-1] == expected.new_reference_lines()


def test_changes_file_is_the_partitions_in_order(expected, tmp_path):
    frames = _split(expected.changes, 3, seed=9)
    gathered = _gathered(frames, [[], [], []], tmp_path)
    gathered.write_changes(str(tmp_path / "changes.parquet"), CHANGE_COLUMNS)
    concat_frames(frames, CHANGE_COLUMNS).to_parquet(tmp_path / "concat.parquet", index=False)
    _same_table(str(tmp_path / "changes.parquet"), str(tmp_path / "concat.parquet"))


def test_failed_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text("old")

    def failing(temp):
        with open(temp, "w") as handle:
            handle.write("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        publish(str(path), failing)
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["summary.json"]


def test_killed_writer_leaves_nothing_under_the_final_name(tmp_path):
    """A process killed while writing an output never leaves a half-written file under its name."""
    script = textwrap.dedent(f"""
        import os, signal
        from crds_batch.batch.results import publish

        def writer(temp):
            with open(temp, "w") as handle:
                handle.write("half")
                handle.flush()
            os.kill(os.getpid(), signal.SIGKILL)

        publish({str(tmp_path / 'changes.parquet')!r}, writer)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    assert not (tmp_path / "changes.parquet").exists()


def test_failed_run_removes_its_parts(store, tmp_path, monkeypatch, capsys):
    """A run that fails after the partitions wrote their parts (here: its --output cannot be made) leaves none."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    (tmp_path / "a-file").write_text("not a directory")
    out = tmp_path / "a-file" / "out"
    args = ["affected", "--old-context", "hst_0650.pmap", "--new-context", "hst_0729.pmap", "--params", store.path,
            "--all-types", "--no-cluster", "--quiet", "--print-new-references", "--output", str(out)]
    made = []
    original = tempfile.mkdtemp
    monkeypatch.setattr(tempfile, "mkdtemp", lambda *a, **k: made.append(original(*a, **k)) or made[-1])
    code = main(args)
    capsys.readouterr()
    assert code == 3
    assert made and not os.path.exists(made[0])
    assert os.listdir(tmp_path / "tmp") == []


def test_summary_of_a_run_with_parts_reads_them_before_they_are_removed(store, expected, capsys):
    """The summary on stderr (its most common errors read the error parts) is made while the parts exist."""
    from crds_batch.batch.unique_errors import most_common

    code = main(["affected", "--old-context", "hst_0650.pmap", "--new-context", "hst_0729.pmap", "--params",
                 store.path, "--all-types", "--no-cluster"])
    err = capsys.readouterr().err
    assert code == 1, err  # the store's invalid values fail lookups
    assert f"errors             {expected.error_count:,}   warnings 0" in err
    common = most_common(expected.errors, 5)
    assert common and "most common errors:" in err
    for (instrument, filekind, message), count in common:
        assert f"{count:6d}  {instrument} {filekind}: {message[:90]}" in err


def test_error_parts_are_the_error_rows_whose_categories_outgrow_each_part_s_codes(tmp_path):
    """Each partition's Categoricals fit 8-bit codes (pandas's choice below 128 categories), their union does not."""
    from crds_batch.batch.partition import ERROR_COLUMNS

    frames = [pd.DataFrame({"dataset_id": [f"D{part}_{i}" for i in range(100)], "instrument": "acs",
                            "filekind": "biasfile", "message": [f"m{part}_{i}" for i in range(100)],
                            "level": "error"}).astype({name: "category" for name in ERROR_COLUMNS[1:]})
              for part in range(3)]
    assert frames[0]["message"].cat.codes.dtype == np.int8
    parts = ResultParts(str(tmp_path))
    gathered = GatheredParts(parts, [summarize(pd.DataFrame(columns=CHANGE_COLUMNS), [], parts, errors=frame)
                                     for frame in frames])
    read = gathered.errors_frame(ERROR_COLUMNS)
    assert read.astype(str).equals(pd.concat(frames, ignore_index=True).astype(str))
    assert isinstance(read["message"].dtype, pd.CategoricalDtype) and len(read["message"].cat.categories) == 300
    assert gathered.error_totals().total == 300


def test_error_totals_are_the_classes_totals(expected):
    """The exit status and summary count errors without forming crds's classes; the counts are the classes'."""
    from crds_batch.batch.unique_errors import classify, error_totals

    classes, totals = classify(expected.errors), error_totals(expected.errors)
    assert classes.tracked and classes.classes  # the store's invalid values fail lookups
    assert (totals.tracked, totals.untracked, totals.total) == (classes.tracked, classes.untracked, classes.total)
    assert totals.dataset_failures == classes.dataset_failures


def _product_parts(pieces: list[list[str]], directory) -> GatheredParts:
    """Partitions whose affected ids are ``pieces`` (lower-case ids without ``:``: each its own product)."""
    parts = ResultParts(str(directory))
    return GatheredParts(parts, [summarize(pd.DataFrame(columns=CHANGE_COLUMNS), pa.array(piece, pa.string()), parts)
                                 for piece in pieces])


@pytest.mark.parametrize("pieces", [
    [["a", "b"], ["b", "c"], ["c"], ["c", "d"], ["e"]],  # shared products, one partition a single shared one
    [["d", "e"], ["a", "b"], ["b", "d"]],  # given out of order, touching once sorted
    [["a", "c"], ["b", "d"]],  # overlapping: sorted again
    [["a"], [], ["b", "a"]],  # a partition without products; one shared, the ids unsorted
])
def test_products_of_partitions_whose_ranges_touch_are_sorted_and_unique(pieces, tmp_path):
    gathered = _product_parts(pieces, tmp_path)
    expected = sorted({product for piece in pieces for product in piece})
    assert gathered.products().to_pylist() == expected
    assert gathered.product_count() == len(expected)


@pytest.mark.parametrize("pieces", [
    [["j8cw01abq", "j8cw01acq"], ["j8cw01acq", "j8cw02xyq"]],  # one width (HST's products): the byte matrix
    [["a", "bb"], ["bb", "ccc"], ["é"]],  # widths differ, non-ASCII: Arrow's join
    [["b", "d"], ["a", "c"]],  # overlapping ranges: the text made from the merged products
])
def test_product_text_is_the_sorted_unique_products_a_line(pieces, tmp_path):
    gathered = _product_parts(pieces, tmp_path)
    text = b"".join(bytes(chunk) for chunk in gathered.product_text_chunks())
    assert text.decode("utf-8").splitlines() == sorted({product for piece in pieces for product in piece})


def test_products_part_holds_the_print_affected_text(tmp_path):
    """A partition's products part is its --print-affected text as is (read in place, uncompressed)."""
    [summary] = _product_parts([["J8CW01ABQ:J8CW01ABQ", "j8cw01acq"]], tmp_path).summaries
    with open(summary.products_path, "rb") as handle:
        assert b"j8cw01abq\nj8cw01acq\n" in handle.read()
    assert (summary.products, summary.first_product, summary.last_product) == (2, "j8cw01abq", "j8cw01acq")


@pytest.mark.parametrize("values", [["abc", None, "de"], ["x", "yz"]])
def test_with_newlines_ends_each_value_with_a_newline(values):
    from crds_batch.batch.parts import with_newlines

    for array in (pa.array(values, pa.string()), pa.array(["skip", *values], pa.string()).slice(1)):
        assert with_newlines(array).to_pylist() == [None if v is None else f"{v}\n" for v in values]


@pytest.mark.parametrize("values", [["abc", "def", "ghi"], ["a", "bb", "", "ccc"], ["é1", "é2"], [""], ["xy"]])
@pytest.mark.parametrize("shape", ["whole", "sliced", "large"])
def test_lines_text_is_each_value_then_a_newline(values, shape):
    from crds_batch.batch.parts import lines_text

    array = pa.array(values, pa.string())
    array = {"whole": array, "sliced": array.slice(1), "large": array.cast(pa.large_string())}[shape]
    assert bytes(lines_text(array)) == "".join(f"{value}\n" for value in array.to_pylist()).encode("utf-8")
