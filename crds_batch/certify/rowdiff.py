"""``crds-batch rowdiff OLD NEW``: differences of FITS tables by rows, printed as ``crds rowdiff`` prints them.

For each table HDU (the two files must have the same HDUs of the same
types) the rows are written as text (the column values of each row, over
the compared columns, in table A's column order) and compared with
:mod:`difflib`: a summary of the row ranges that differ, then a unified diff.
Columns are chosen with ``fields`` (only these) or ``ignore_fields`` (all but
these), never both. ``mode_fields`` compares the tables by mode instead
(:mod:`.rowdiff_modes`).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..errors import CrdsBatchError


class RowDiffError(CrdsBatchError):
    """Options that cannot go together, or a file that cannot be read as FITS."""


@dataclass(frozen=True)
class HduRowDiff:
    index: int
    opcodes: list
    unified: list[str]


def _row_texts(table, fields: list[str]) -> list[str]:
    from astropy.table import Table

    table = Table(table)
    for name in table.colnames:
        if name.lower() != name and name.lower() not in table.colnames:
            table.rename_column(name, name.lower())
    table = table[fields]
    return [str(list(row)).strip("[]") for row in table]


def _diff_tables(a_data, b_data, fields: list[str], ignore_fields: list[str]) -> tuple[list, list[str]] | None:
    from astropy.io.fits import TableDataDiff

    data_diff = TableDataDiff(a_data, b_data, ignore_fields=ignore_fields, numdiffs=1)
    if not data_diff.diff_rows and not data_diff.diff_values:
        return None
    common = data_diff.common_column_names
    if fields:
        compared = [name for name in fields if name in common]
    else:  # table A's column order (common_column_names is a set)
        compared = [name.lower() for name in a_data.columns.names if name.lower() in common]
    if not compared:
        return None
    a_rows, b_rows = _row_texts(a_data, compared), _row_texts(b_data, compared)
    matcher = difflib.SequenceMatcher()
    matcher.set_seqs(a_rows, b_rows)
    if matcher.ratio() >= 0.99:
        return None
    return matcher.get_opcodes(), list(difflib.unified_diff(a_rows, b_rows, "Table A", "Table B"))


def rowdiff_text(path_a: str, path_b: str, fields: list[str] = (), ignore_fields: list[str] = (),
                 mode_fields: list[str] = ()) -> str:
    """What ``crds rowdiff`` prints for the two files (its ``rowdiff:`` notes on stdout included)."""
    from astropy.io import fits
    from astropy.io.fits.hdu.table import _TableLikeHDU

    fields = [name.lower() for name in fields]
    ignore_fields = [name.lower() for name in ignore_fields]
    if fields and ignore_fields:
        raise RowDiffError("Both fields and ignore_fields cannot be specified.")
    notes = ""
    diffs: list[tuple[int, tuple | None]] = []
    with _open(fits, path_a) as hdus_a, _open(fits, path_b) as hdus_b:
        problem = _inconsistency(hdus_a, hdus_b)
        if problem:
            notes = f"rowdiff: {problem}\n"
        else:
            for index, hdu in enumerate(hdus_a):
                if not isinstance(hdu, _TableLikeHDU):
                    continue
                if mode_fields:
                    from .rowdiff_modes import ModeColumnsMissing, mode_diffs

                    try:
                        diffs.append((index, mode_diffs(hdu.data, hdus_b[index].data, list(mode_fields), fields,
                                                        ignore_fields)))
                    except ModeColumnsMissing as exc:
                        raise RowDiffError(str(exc)) from None
                else:
                    diffs.append((index, _diff_tables(hdu.data, hdus_b[index].data, fields, ignore_fields)))
    if mode_fields:
        from .rowdiff_modes import render_mode_diffs

        return notes + render_mode_diffs(diffs) + "\n"
    return notes + _render(diffs) + "\n"


def _open(fits, path: str):
    try:
        return fits.open(path)
    except Exception as exc:  # noqa: BLE001 - crds's one-line text for any failure to open
        raise RowDiffError(f"error opening file ({path}): {type(exc).__name__}: {exc}") from None


def _inconsistency(hdus_a, hdus_b) -> str | None:
    if len(hdus_a) != len(hdus_b):
        return f"HDUs have different lengths: FITS A = {len(hdus_a)}, FITS B = {len(hdus_b)}"
    for index, (hdu_a, hdu_b) in enumerate(zip(hdus_a, hdus_b)):
        if hdu_a.header.get("XTENSION") != hdu_b.header.get("XTENSION"):
            return (f"Extension {index} different: FITS A = {hdu_a.header.get('XTENSION')}, "
                    f"FITS B = {hdu_b.header.get('XTENSION')}")
    return None


def _render(diffs: list[tuple[int, tuple | None]]) -> str:
    if not diffs:
        return ""
    text = ""
    index = 0
    for index, diff in diffs:
        if not diff:
            continue
        opcodes, unified = diff
        changes = [code for code in opcodes if code[0] != "equal"]
        if not changes:
            continue
        text += f"Row differences for HDU extension #{index}\n\n    Summary:\n"
        for op, a_start, a_end, b_start, b_end in changes:
            if op == "replace":
                text += f"        a rows {a_start}-{a_end - 1} differ from b rows {b_start}-{b_end - 1}\n"
            elif op == "delete":
                text += f"        Remove from a rows {a_start}-{a_end - 1}\n"
            elif op == "insert":
                text += f"        Add to b rows {b_start}-{b_end - 1}\n"
        text += "\n    Row difference, unified diff format:\n"
        text += "".join(f"        {line}\n" for line in unified)
    return text or f"    HDU extension #{index} contains no differences"
