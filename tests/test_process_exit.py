"""A process that ends freezes its objects first, so the interpreter's final collections skip them."""
from __future__ import annotations

import subprocess
import sys

#: Registered before the code under test, so it runs after that code's atexit handler (last in, first out).
_REPORT_AT_EXIT = "import atexit, gc\natexit.register(lambda: print('frozen at exit', gc.get_freeze_count() > 0))\n"


def _run(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _REPORT_AT_EXIT + code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line.startswith("frozen")]


def test_a_worker_process_freezes_its_objects_at_exit_so_its_final_collections_skip_them():
    code = ("import gc\n"
            "from crds_batch.process_exit import exit_without_final_collections\n"
            "exit_without_final_collections(); exit_without_final_collections()\n"
            "print('frozen before exit', gc.get_freeze_count() > 0)\n")
    assert _run(code) == ["frozen before exit False", "frozen at exit True"]


def test_the_command_line_exits_without_final_collections():
    code = "from crds_batch.cli.main import main\nmain(['--version'])\n"
    assert _run(code) == ["frozen at exit True"]


def test_without_it_a_process_is_not_frozen_at_exit():
    assert _run("import crds_batch.process_exit\n") == ["frozen at exit False"]
