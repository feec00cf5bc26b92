"""--output's files: changes.parquet is written in a thread beside the others; every file whole or absent."""
from __future__ import annotations

import os
import threading

import pandas as pd
import pytest

from crds_batch.batch.results import CHANGES_FILE, AffectedResult


class _Result(AffectedResult):
    def __init__(self, writers):
        super().__init__(plan=None, changes=pd.DataFrame(), errors=pd.DataFrame(), affected_ids=[], datasets=0)
        self._writers = writers

    def outputs(self):
        return self._writers


def _text(content, threads=None):
    def write(path):
        if threads is not None:
            threads.append(threading.current_thread())
        with open(path, "w") as handle:
            handle.write(content)
    return write


def test_changes_are_written_in_another_thread_while_the_others_are_written(tmp_path):
    threads = []
    both_running = threading.Barrier(2, timeout=10)

    def changes(path):
        both_running.wait()  # would time out if the files were written one after another
        _text("changes", threads)(path)

    def summary(path):
        both_running.wait()
        _text("summary", threads)(path)

    written = _Result({CHANGES_FILE: changes, "summary.json": summary}).write(str(tmp_path / "out"))
    assert sorted(os.path.basename(p) for p in written) == sorted([CHANGES_FILE, "summary.json"])
    assert (tmp_path / "out" / CHANGES_FILE).read_text() == "changes"
    assert (tmp_path / "out" / "summary.json").read_text() == "summary"
    assert threads[0] is not threads[1]
    assert sorted(os.listdir(tmp_path / "out")) == sorted([CHANGES_FILE, "summary.json"])  # no temporary left


def test_a_failed_changes_file_raises_after_the_others_are_written_and_leaves_no_file(tmp_path):
    def changes(path):
        with open(path, "w") as handle:
            handle.write("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        _Result({CHANGES_FILE: changes, "summary.json": _text("summary")}).write(str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["summary.json"]


def test_a_failed_other_file_raises_once_the_changes_file_is_finished(tmp_path):
    finished = threading.Event()

    def changes(path):
        _text("changes")(path)
        finished.set()

    def summary(path):
        raise ValueError("no summary")

    with pytest.raises(ValueError, match="no summary"):
        _Result({CHANGES_FILE: changes, "summary.json": summary}).write(str(tmp_path))
    assert finished.is_set()
    assert sorted(os.listdir(tmp_path)) == [CHANGES_FILE]
