"""The header of an HST GEIS reference (``*.r1h``...) as crds certify reads it for its keyword checks.

GEIS headers are text, one ``KEY = value / comment`` card per line: a ``/``
in column 32 starts the comment, quoted values lose their quotes and
padding, ``HISTORY`` lines are joined, lines without ``=`` are skipped; a
data file (``.r1d``) is read through its header (``.r1h``). Values are then
numbers where they read as numbers, as for FITS.
"""
from __future__ import annotations


def geis_header(path: str) -> dict:
    from .keyword_checks import _number_or_text

    if path.endswith("d"):
        path = path[:-1] + "h"
    header: dict = {}
    history = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if len(line) >= 32 and line[31] == "/":
                line = line[:31]
            if line.startswith("HISTORY"):
                history.append(line[len("HISTORY"):].strip())
                continue
            words = [word.strip() for word in line.split("=")]
            if len(words) < 2:
                continue
            value = "=".join(words[1:]).strip()
            if value and value[0] == "'" and value[-1] == "'":
                value = value[1:-1].strip()
            header[words[0]] = value
    header["HISTORY"] = "\n".join(history)
    return {key: _number_or_text(value) for key, value in header.items()}
