"""bestrefs and check-context run with the young generation collected less often (restored afterwards) and keep\nfreed memory."""
from __future__ import annotations

import gc

import pytest

from crds_batch.batch import arrow_pool
from crds_batch.cli import bestrefs, check_context
from crds_batch.cli.gc_freeze import JOB_YOUNG_THRESHOLD, fewer_collections


def test_the_young_threshold_is_raised_in_the_block_and_restored_after_it():
    before = gc.get_threshold()
    assert before[0] != JOB_YOUNG_THRESHOLD, "else the test below proves nothing"
    with fewer_collections():
        assert gc.get_threshold() == (JOB_YOUNG_THRESHOLD, *before[1:])
    assert gc.get_threshold() == before


def test_restored_after_an_exception():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections(5000):
        assert gc.get_threshold()[0] == 5000
        raise RuntimeError("job failed")
    assert gc.get_threshold() == before


@pytest.mark.parametrize("module", [bestrefs, check_context])
def test_the_commands_run_with_fewer_collections(module, monkeypatch):
    seen = []

    def fail_fast():  # the commands' first call after the usage checks: keep_freed_memory, before any job
        seen.append(gc.get_threshold()[0])
        raise RuntimeError("stop")

    monkeypatch.setattr(arrow_pool, "keep_freed_memory", fail_fast)  # bestrefs imports it when run
    monkeypatch.setattr(check_context, "keep_freed_memory", fail_fast)
    before = gc.get_threshold()
    args = (["--load-pickles", "x.json", "--new-context", "hst_0729.pmap"] if module is bestrefs
            else ["--params", "x.json", "--new-context", "hst_0729.pmap"])
    from click.testing import CliRunner

    result = CliRunner().invoke(module.command, args)
    assert seen == [JOB_YOUNG_THRESHOLD], result.output
    assert gc.get_threshold() == before
