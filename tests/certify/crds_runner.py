"""Run a crds command-line tool (the oracle) in a subprocess, offline on the test cache."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..conftest import CACHE


def run_crds(module: str, args: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    """``python -m <module> args`` with CRDS_PATH on the test cache and no server; text output."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CRDS_")}
    env["CRDS_PATH"] = str(CACHE)
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def crds_lines(stderr: str, levels: tuple[str, ...] = ("ERROR", "WARNING")) -> list[str]:
    """The ``CRDS - LEVEL -`` lines of ``levels`` in an output, in order."""
    return [line for line in stderr.splitlines() if any(line.startswith(f"CRDS - {lvl} -") for lvl in levels)]
