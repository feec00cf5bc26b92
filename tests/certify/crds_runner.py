"""Run a crds command-line tool (the oracle) in a subprocess, offline on the test cache."""
from __future__ import annotations

import collections
import os
import re
import subprocess
import sys
from pathlib import Path

from crds_batch.cli.main import main

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


_TRACKED = re.compile(r"^CRDS - ERROR -  (instrument='[^']*' type='[^']*' data='[^']*' ::  [^:']*)")


_NOT_OBTAINED = re.compile(r"^(CRDS - WARNING -  Failed to obtain reference comparison file '[^']*') : .*$")


def without_fetch_reason(lines: list[str]) -> list[str]:
    """``lines`` with the reason after "Failed to obtain reference comparison file 'x'" cut: crds (offline)
    gives its failed download, crds-batch (which never downloads) that the file is not in the cache."""
    return [_NOT_OBTAINED.sub(r"\1", line) for line in lines]


def certify_summary(stderr: str) -> tuple[collections.Counter, collections.Counter, collections.Counter]:
    """Counted WARNING lines, plain ERROR lines, and tracked error classes (file, instrument, type, kind)."""
    warnings = collections.Counter(crds_lines(stderr, ("WARNING",)))
    plain, tracked = collections.Counter(), collections.Counter()
    for line in crds_lines(stderr, ("ERROR",)):
        match = _TRACKED.match(line)
        if match:
            tracked[match.group(1).strip()] += 1
        else:
            plain[line] += 1
    return warnings, plain, tracked


def certify_both(path: str, context: str, cwd: Path, capsys) -> tuple[int, str, subprocess.CompletedProcess]:
    """``crds certify`` and ``crds-batch certify`` of ``path`` against ``context``: our code, our stderr, crds's run."""
    theirs = run_crds("crds.certify", [path, "--comparison-context", context], cwd=cwd)
    code = main(["certify", path, "--comparison-context", context])
    return code, capsys.readouterr().err, theirs
