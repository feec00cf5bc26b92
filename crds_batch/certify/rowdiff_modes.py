"""``rowdiff --mode-fields``: tables compared by their modes, as ``crds rowdiff`` reports them.

A mode is a row's values in the mode columns (lower-case names, as given).
Both tables are sorted by mode; every combination of the mode values found
in either table is the set of all modes. Reported per table HDU, each as
missing / duplicated / changed modes (astropy's table printout):

- table A against all modes, table B against all modes;
- table A's modes against table B's;
- when the data differ, the rows of the modes the tables share, over the
  compared columns.
"""
from __future__ import annotations

import difflib
import itertools

import numpy as np


class ModeColumnsMissing(RuntimeError):
    """The mode columns are not in both tables (crds's RuntimeError text)."""


def _strings(table) -> list[str]:
    return [str(list(row)).strip("[]") for row in table]


def _lower_columns(table) -> None:
    for name in table.colnames:
        if name.lower() not in table.colnames:
            table.rename_column(name, name.lower())


def mode_diffs(a_data, b_data, mode_fields: list[str], fields: list[str], ignore_fields: list[str]) -> tuple:
    """(modes vs A, modes vs B, A vs B, common-mode rows) each ``(table, table, opcodes)`` or None."""
    from astropy.io.fits import TableDataDiff
    from astropy.table import Table

    data_diff = TableDataDiff(a_data, b_data, ignore_fields=ignore_fields, numdiffs=1)
    common = data_diff.common_column_names
    if not set(mode_fields) <= common:
        raise ModeColumnsMissing("Mode select columns are not in both tables.")
    if fields:
        compared = [name for name in fields if name in common]
    else:
        compared = [name.lower() for name in a_data.columns.names if name.lower() in common]
    a_table, b_table = Table(a_data), Table(b_data)
    _lower_columns(a_table)
    _lower_columns(b_table)
    a_table.sort(mode_fields)
    b_table.sort(mode_fields)
    a_modes, b_modes = a_table[mode_fields], b_table[mode_fields]
    values = [sorted(set(list(a_modes[name]) + list(b_modes[name]))) for name in mode_fields]
    every = Table(np.array(list(itertools.product(*values)), dtype=a_modes.dtype))
    matcher = difflib.SequenceMatcher()
    every_text, a_text, b_text = _strings(every), _strings(a_modes), _strings(b_modes)
    matcher.set_seqs(every_text, a_text)
    modes_vs_a = (every, a_modes, matcher.get_opcodes())
    matcher.set_seqs(every_text, b_text)
    modes_vs_b = (every, b_modes, matcher.get_opcodes())
    matcher.set_seqs(a_text, b_text)
    a_vs_b = (a_modes, b_modes, matcher.get_opcodes())
    blocks = matcher.get_matching_blocks()
    shared = None
    if (data_diff.diff_rows or data_diff.diff_values) and len(blocks) > 1:
        names = [name for name in a_table.colnames if name in set(mode_fields + compared)]
        a_fields, b_fields = a_table[names], b_table[names]
        dtypes = [a_fields.dtype[index] for index in range(len(a_fields.dtype))]
        a_rows, b_rows = Table(names=a_fields.colnames, dtype=dtypes), Table(names=a_fields.colnames, dtype=dtypes)
        for a_start, b_start, size in blocks:
            for offset in range(size):
                a_rows.add_row(a_fields[a_start + offset])
                b_rows.add_row(b_fields[b_start + offset])
        matcher = difflib.SequenceMatcher()
        matcher.set_seqs(_strings(a_rows), _strings(b_rows))
        shared = (a_rows, b_rows, matcher.get_opcodes())
    return modes_vs_a, modes_vs_b, a_vs_b, shared


def _report(diff) -> str:
    """Missing, duplicated and changed modes of one comparison ('' when none)."""
    if not diff:
        return ""
    a_table, b_table, opcodes = diff
    if not len(opcodes):
        return ""
    deleted = np.zeros(len(a_table), dtype=bool)
    added = np.zeros(len(b_table), dtype=bool)
    changed_a = np.zeros(len(a_table), dtype=bool)
    changed_b = np.zeros(len(b_table), dtype=bool)
    for operation, a_start, a_end, b_start, b_end in opcodes:
        if operation == "delete":
            deleted[a_start:a_end] = True
        elif operation == "insert":
            added[b_start:b_end] = True
        elif operation == "replace":
            changed_a[a_start:a_end] = True
            changed_b[b_start:b_end] = True
    text = ""
    if deleted.any():
        text += "\n        Missing Modes:\n" + str(a_table[deleted]) + "\n"
    if added.any():
        text += "\n        Duplicated Modes:\n" + str(b_table[added]) + "\n"
    if changed_a.any():
        text += ("\n        Changed Modes:\n        From Table A:\n" + str(a_table[changed_a])
                 + "\n\n        To Table B:\n" + str(b_table[changed_b]) + "\n")
    return text


_SECTIONS = (
    ("\n    Table A changes:\n", "\n    Table A has all modes.\n"),
    ("\n    Table B changes:\n", "\n    Table B has all modes.\n"),
    ("\n    Table A to B changes:\n", "\n    Table A and B share all modes.\n"),
    ("\n    Common mode changes:\n    If there were duplicate modes, the following may be nonsensical.\n",
     "\n    All common modes are equivalent.\n"),
)


def render_mode_diffs(diffs: list[tuple[int, tuple]]) -> str:
    text = ""
    for index, parts in diffs:
        text += f"Difference for HDU extension #{index}\n"
        for part, (changed, unchanged) in zip(parts, _SECTIONS):
            report = _report(part)
            text += changed + report if report else unchanged
    return text
