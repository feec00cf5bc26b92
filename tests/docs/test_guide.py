"""Every command of docs/guide.md's ``console`` blocks runs, in order, with the exit status written.

The commands run in an empty directory with CRDS_PATH at the shared cache, configs/ of this
repository beside them, and the raw HST file j8bt05njq_raw.fits copied in (the guide says so).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import CACHE, REPO, TEST_DATA

GUIDE = REPO / "docs" / "guide.md"
_EXIT = re.compile(r"\s+#\s*exit (\d+)\s*$")


def guide_commands() -> list[tuple[str, int]]:
    """``(command, expected exit status)`` of every ``$ `` line in the guide's console blocks, in order."""
    commands, in_console = [], False
    for line in GUIDE.read_text().splitlines():
        if line.startswith("```"):
            in_console = line.strip() == "```console"
            continue
        if in_console and line.startswith("$ "):
            command = line[2:]
            found = _EXIT.search(command)
            commands.append((_EXIT.sub("", command), int(found.group(1)) if found else 0))
    return commands


def test_the_guide_has_commands_of_every_story():
    text = " ".join(command for command, _ in guide_commands())
    for needed in ("demo", "ingest", "affected", "check-context", "bestrefs --files", "--config", "list --status"):
        assert needed in text


@pytest.mark.timeout(1200)
def test_guide_commands_run_as_written(tmp_path):
    shutil.copyfile(TEST_DATA / "hst" / "j8bt05njq_raw.fits", tmp_path / "j8bt05njq_raw.fits")
    os.symlink(REPO / "configs", tmp_path / "configs")
    env = dict(os.environ, CRDS_PATH=str(CACHE), PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    env.pop("CRDS_READONLY_CACHE", None)
    for command, expected in guide_commands():
        run = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=600)
        assert run.returncode == expected, f"{command!r} exited {run.returncode}:\n{run.stderr[-2000:]}"
        assert "Traceback" not in run.stderr, command
    for produced in ("results/affected.txt", "results/summary.json", "report.html", "check/error_classes.csv"):
        assert (tmp_path / produced).is_file(), produced
