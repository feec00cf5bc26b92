"""bestrefs and check-context run as one task with fewer GC collections (restored afterwards) and keep freed
memory; the threshold mechanism itself is tested with batch/collections_during_tasks."""
from __future__ import annotations

import gc

import pytest
from click.testing import CliRunner

from crds_batch import kept_memory
from crds_batch.batch.collections_during_tasks import TASK_YOUNG_THRESHOLD
from crds_batch.cli import bestrefs, check_context


@pytest.mark.parametrize("module", [bestrefs, check_context])
def test_the_commands_run_with_fewer_collections_and_keep_freed_memory(module, monkeypatch):
    seen = []

    def fail_fast():  # the commands' first call after the usage checks: keep_freed_memory, before any job
        seen.append(gc.get_threshold()[0])
        raise RuntimeError("stop")

    monkeypatch.setattr(kept_memory, "keep_freed_memory", fail_fast)  # bestrefs imports it when run
    monkeypatch.setattr(check_context, "keep_freed_memory", fail_fast)
    before = gc.get_threshold()
    assert before[0] != TASK_YOUNG_THRESHOLD, "else the test proves nothing"
    args = (["--load-pickles", "x.json", "--new-context", "hst_0729.pmap"] if module is bestrefs
            else ["--params", "x.json", "--new-context", "hst_0729.pmap"])
    result = CliRunner().invoke(module.command, args)
    assert seen == [TASK_YOUNG_THRESHOLD], result.output
    assert gc.get_threshold() == before
