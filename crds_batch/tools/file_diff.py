"""Differences of two reference files (or any two non-mapping files) as ``crds diff`` prints them.

FITS: astropy's ``FITSDiff`` report, then a blank line and the ``crds rowdiff``
text of the table rows. ASDF: what ``asdftool diff`` prints (asdf's own diff,
run in-process, without colours). Text (JSON, YAML, others): ``diff -b -c``.
Each returns ``(status, text)``: 0 identical, 1 different.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess

from ..errors import CrdsBatchError

_ANSI = re.compile(r"\x1B\[([0-9]{1,2}(;[0-9]{1,2})?)?[m|K]")


def file_kind(path: str) -> str:
    lowered = path.lower()
    if lowered.endswith(".fits"):
        return "fits"
    if lowered.endswith(".asdf"):
        return "asdf"
    return "text"


def difference(old_path: str, new_path: str) -> tuple[int, str]:
    """``(status, text)`` of the two files, by the kind of the first (as crds chooses its differ)."""
    kind = file_kind(old_path)
    if kind == "fits":
        return fits_difference(old_path, new_path)
    if kind == "asdf":
        return asdf_difference(old_path, new_path)
    return text_difference(old_path, new_path)


def fits_difference(old_path: str, new_path: str) -> tuple[int, str]:
    from astropy.io.fits import FITSDiff

    from ..certify.rowdiff import rowdiff_text

    found = FITSDiff(old_path, new_path)
    if found.identical:
        return 0, ""
    report = io.StringIO()
    found.report(fileobj=report)
    return 1, report.getvalue() + "\n " + rowdiff_text(old_path, new_path)  # crds: print("\\n", rowdiff)


def asdf_difference(old_path: str, new_path: str) -> tuple[int, str]:
    import importlib

    differ = importlib.import_module("asdf._commands.diff")  # what asdftool diff runs
    out = io.StringIO()
    differ.diff([old_path, new_path], False, iostream=out)
    text = _ANSI.sub("", out.getvalue())
    return (1 if text else 0), text


def text_difference(old_path: str, new_path: str) -> tuple[int, str]:
    """``diff -b -c OLD NEW`` (the Unix tool, as crds runs it)."""
    tool = shutil.which("diff")
    if tool is None:
        raise CrdsBatchError("Cannot compare text files: the 'diff' program is not installed")
    done = subprocess.run([tool, "-b", "-c", old_path, new_path], capture_output=True, text=True)
    if done.returncode > 1:
        raise CrdsBatchError(f"diff {old_path} {new_path}: {done.stderr.strip()}")
    return done.returncode, done.stdout + done.stderr
