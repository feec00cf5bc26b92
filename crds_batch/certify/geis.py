"""The header of an HST GEIS reference (``*.r1h``...) as crds certify reads it for its keyword checks.

GEIS headers are text, one ``KEY = value / comment`` card per line: a ``/``
in column 32 starts the comment, quoted values lose their quotes and
padding, ``HISTORY`` lines are joined, lines without ``=`` are skipped; a
data file (``.r1d``) is read through its header (``.r1h``). Values are then
numbers where they read as numbers, as for FITS.
"""
from __future__ import annotations


def geis_header(path: str) -> dict:
    from ..tools.reference_headers import geis_header as geis_cards
    from .keyword_checks import _number_or_text

    header = geis_cards(path)
    del header["FILE_FORMAT"]  # what `list --cat` adds; certify reads the cards alone
    return {key: _number_or_text(value) for key, value in header.items()}
