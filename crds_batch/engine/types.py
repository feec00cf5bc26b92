"""Which types each row gets when no type list is given (JWST: SYSTEM CRDSCFG).

HST and Roman rows get every type of their instrument.  A JWST row carrying a
calibration software version gets the types its pipelines use, as chosen by
:mod:`crds_batch.rules.crdscfg`; the choice is made once per distinct tuple of
the header values it reads.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..rules import crdscfg
from .columns import Column, group_ids


def row_type_masks(context: Any, filekinds: list[str], columns: dict[str, Column],
                   rows: np.ndarray) -> dict[str, np.ndarray] | None:
    """Per type, which of ``rows`` get it; None when every row gets every type.

    ``columns`` are the table's conditioned columns under their upper-cased names as given
    (crds reads ``pipeline_exceptions`` parameters under the exact ``META.*`` name only).
    """
    if not any(key in columns for key in crdscfg.CALVER_KEYS):
        return None
    read = [key for key in crdscfg.CALVER_KEYS + crdscfg.EXPTYPE_KEYS if key in columns]
    first_pass = _headers(columns, read, rows)
    params: set[str] = set()
    for header in first_pass[1]:
        cal_ver = next((header[k] for k in crdscfg.CALVER_KEYS if k in header), None)
        config = crdscfg.crdscfg(context, cal_ver) if cal_ver is not None else None
        if isinstance(config, dict):
            params |= {str(p).upper() for p in (config.get("pipeline_exceptions") or {})}
    gid, headers = _headers(columns, read + sorted(params & set(columns) - set(read)), rows)
    known = set(filekinds)
    keep_group = np.ones((len(headers), len(filekinds)), dtype=bool)
    restricted = False
    for g, header in enumerate(headers):
        types = crdscfg.pipeline_types(context, header)
        chosen = known & set(types or ())
        if chosen:  # crds: an empty selection means no restriction
            restricted = True
            keep_group[g] = [kind in chosen for kind in filekinds]
    if not restricted:
        return None
    return {kind: keep_group[gid, k] for k, kind in enumerate(filekinds)}


def _headers(columns: dict[str, Column], keys: list[str], rows: np.ndarray) -> tuple[np.ndarray, list[dict]]:
    """(group per row, header of each distinct tuple); absent values are left out of the header."""
    taken = [columns[key].take(rows) for key in keys]
    gid, first = group_ids(taken, len(rows))
    headers = []
    for row in first.tolist():
        header = {}
        for key, column in zip(keys, taken):
            code = column.codes[row]
            if code >= 0:
                header[key] = column.values[code]
        headers.append(header)
    return gid, headers
