"""Table mode checks: rows of a new reference table against its comparison table, as ``crds certify`` makes them.

A table type's *mode columns* (``unique_rowkeys``, from
``observatories/hst_reference_types.json``) make each row's mode; a mode
defined twice in one table, and a mode of the comparison (old) table missing
from the new one (a deleted row) are warnings. The comparison table is
``--comparison-reference``, else the file the new one would replace in the
comparison context's rmap (``comparison.find_comparison_reference``); without
one the new table is checked for duplicate modes only, with crds's
"No comparison reference" warning.
Only HST types have mode columns.
"""
from __future__ import annotations

import json
import math
import os
from functools import lru_cache
from importlib import resources

import numpy as np

from .log import CertifyLog


@lru_cache(maxsize=1)
def _hst_types() -> dict:
    text = resources.files("crds_batch.observatories").joinpath("hst_reference_types.json").read_text()
    return json.loads(text)["types"]


def hst_reference_type(instrument: str, filetype: str) -> str | None:
    """The HST reference type whose FILETYPE is ``filetype`` for ``instrument``, or None."""
    wanted = str(filetype).strip().lower()
    for filekind, facts in _hst_types().get(str(instrument).strip().lower(), {}).items():
        if facts["filetype"] == wanted:
            return filekind
    return None


def mode_columns(path: str, observatory: str = "hst") -> list[str]:
    """The mode columns of the HST FITS reference at ``path`` (empty when its type has none or is unknown); the
    type as crds's ``get_file_properties`` tells it (the name, else the header: SYNPHOT tables by DBTABLE)."""
    from ..tools.file_properties import FilePropertiesError, file_properties

    if observatory != "hst":  # only HST types have mode columns
        return []
    try:
        instrument, filekind = file_properties(path, "hst")
    except FilePropertiesError:
        return []
    return list(_hst_types().get(instrument, {}).get(filekind, {}).get("unique_rowkeys", []))


class _Table:
    """One table HDU's column names (upper case) and rows (tuples of FITS values)."""

    def __init__(self, path: str, segment: int, hdu):
        self.name = f"{os.path.basename(path)}[{segment}]"
        data = hdu.data
        self.colnames = [name.upper() for name in data.columns.names]
        self.rows = [tuple(row) for row in data]


def _tables(path: str, log: CertifyLog) -> list[_Table]:
    from astropy.io import fits

    tables = []
    with fits.open(path) as hdus:
        for index, hdu in enumerate(hdus):
            kind = type(hdu).__name__.upper()
            if "TABLEHDU" in kind:
                tables.append(_Table(path, index, hdu))
                if kind == "TABLEHDU":
                    log.warning(f"ASCII Table detected in HDU# {index}.  Particularly for HST, verify that it "
                                "should not be a BIN Table HDU.", path)
    return tables


def _nan_as_text(value):
    if isinstance(value, (np.floating, float)) and math.isnan(value):
        return "nan"
    return value


def _modes(label: str, table: _Table, keys: list[str], log: CertifyLog, path: str) -> tuple[dict, list[str]]:
    """{mode: (row number, row)} of ``table`` (first row of each mode), warning about duplicates."""
    shown = repr(table.name)
    log.info(f"Mode columns defined by spec for {label} {shown} are: {keys!r}")
    log.info(f"All column names for this table {label} {shown} are: {table.colnames!r}")
    log.info(f"Checking for duplicate modes using intersection {sorted(set(keys) & set(table.colnames))!r}")
    modes: dict[tuple, list] = {}
    for number, row in enumerate(table.rows):
        named = tuple(zip(table.colnames, (_nan_as_text(value) for value in row)))
        values = dict(named)
        mode = tuple((key, values[key]) for key in keys if key in values)
        if not mode:
            log.info(f"Empty actual mode in {label} {shown} with candidate mode columns {keys!r}")
            return {}, []
        modes.setdefault(mode, []).append((number, named))
    for mode in sorted(modes):
        if len(modes[mode]) > 1:
            rows = "\n".join(repr(row) for row in modes[mode])
            log.warning(f"Duplicate definitions in {label} {shown} for mode: {mode!r} :\n {rows}", path)
    return {mode: rows[0] for mode, rows in modes.items()}, table.colnames


def check_table_modes(path: str, comparison: str | None, context: str | None, log: CertifyLog,
                      observatory: str) -> None:
    """Mode checks of the FITS table reference at ``path`` against ``comparison`` (a path), else against the
    file it would replace in ``context``."""
    keys = mode_columns(path, observatory)
    if not keys:
        return
    if comparison is None:
        from .comparison import find_comparison_reference

        comparison = find_comparison_reference(path, context, observatory, log)
    new_tables = _tables(path, log)
    if not new_tables:
        return
    if comparison is None:
        for table in new_tables:
            _modes("new reference", table, keys, log, path)
        log.warning(f"No comparison reference for {os.path.basename(path)!r} in context {context!r}. "
                    "Skipping tables comparison.", path)
        return
    old_tables = _tables(comparison, log)
    if len(old_tables) != len(new_tables):
        log.warning(f"Differing HDU counts in {comparison!r} and {os.path.basename(path)!r} : "
                    f"{len(old_tables)} vs. {len(new_tables)}", path)
    for old, new in zip(old_tables, new_tables):
        _compare(old, new, keys, log, path)


def _compare(old: _Table, new: _Table, keys: list[str], log: CertifyLog, path: str) -> None:
    old_modes, old_columns = _modes("old reference", old, keys, log, path)
    if not old_modes:
        log.info(f"No modes defined in comparison reference {old.name!r} for keys {keys!r}")
        return
    new_modes, new_columns = _modes("new reference", new, keys, log, path)
    if not new_modes:
        log.info(f"No modes defined in new reference {new.name!r} for keys {keys!r}")
        return
    old_sample, new_sample = next(iter(old_modes.values())), next(iter(new_modes.values()))
    if len(old_sample) != len(new_sample) or old_columns != new_columns:
        log.warning(f"Change in row format between {old.name!r} and {new.name!r}", path)
        return
    for mode in sorted(old_modes):
        if mode not in new_modes:
            log.warning(f"Table mode {mode!r} from old reference {old.name!r} is NOT IN new reference "
                        f"{new.name!r}", path)
    for mode in sorted(new_modes):
        if mode not in old_modes:
            log.info(f"Table mode {mode!r} of new reference {new.name!r} is NOT IN old reference "
                     f"{old.name.split('[')[0]!r}")
