"""Which types each row gets when no type list is given (JWST: SYSTEM CRDSCFG).

HST and Roman rows get every type of their instrument.  A JWST row carrying a
calibration software version gets the types its pipelines use, as chosen by
:mod:`crds_batch.rules.crdscfg`; the choice is made once per distinct tuple of
the header values it reads.  What crds does with that choice depends on the
caller (crds 13.2.7):

- :data:`API` (``crds.getrecommendations``): the pipelines' types that the
  instrument has; none -> every type of the instrument.
- :data:`BESTREFS` (``crds bestrefs`` without ``--types``/``--diffs-only``):
  the pipelines' types as they are, types the instrument lacks included (they
  fail as unknown types); none -> every type of the instrument.
- :data:`DIFFS` (``crds bestrefs --diffs-only``): the changed types that the
  pipelines use (all changed types when the pipelines give none); a row left
  with no type is not looked up at all.

An explicit type list (``--types``) is used as given under every rule but DIFFS.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..rules import crdscfg
from .columns import Column, group_ids

API = "api"
BESTREFS = "bestrefs"
DIFFS = "diffs"
RULES = (API, BESTREFS, DIFFS)


def selection_keywords(observatory: str) -> tuple[str, ...]:
    """Header keywords the type selection of ``observatory``'s datasets reads (none outside JWST)."""
    return crdscfg.selection_keywords() if observatory.lower() == "jwst" else ()


def row_types(context: Any, filekinds: list[str], wanted: list[str] | None, rule: str,
              columns: dict[str, Column], rows: np.ndarray) -> tuple[list[str], dict[str, np.ndarray] | None]:
    """The types to evaluate for ``rows`` and, per type, which rows get it (None: every row, every type).

    ``filekinds`` are the instrument's types, ``wanted`` the caller's list (None: no list).
    ``columns`` are the table's conditioned columns under their upper-cased names as given
    (crds reads ``pipeline_exceptions`` parameters under the exact ``META.*`` name only).
    """
    if rule not in RULES:
        raise ValueError(f"unknown type rule {rule!r}; known: {', '.join(RULES)}")
    kinds = list(wanted) if wanted is not None else list(filekinds)
    if (wanted is not None and rule != DIFFS) or not any(key in columns for key in crdscfg.CALVER_KEYS):
        return kinds, None
    gid, headers = _selection_headers(context, columns, rows)
    chosen_by_group = [_chosen(rule, filekinds, wanted, crdscfg.pipeline_types(context, header))
                       for header in headers]
    if rule == BESTREFS:
        kinds += sorted({kind for chosen in chosen_by_group if chosen is not None for kind in chosen} - set(kinds))
    unrestricted = set(kinds if wanted is not None else filekinds)  # what a row without a choice gets
    chosen_by_group = [unrestricted if chosen is None else chosen for chosen in chosen_by_group]
    if all(chosen >= set(kinds) for chosen in chosen_by_group):
        return kinds, None
    keep_group = np.array([[kind in chosen for kind in kinds] for chosen in chosen_by_group],
                          dtype=bool).reshape(len(headers), len(kinds))
    return kinds, {kind: keep_group[gid, k] for k, kind in enumerate(kinds)}


def _chosen(rule: str, filekinds: list[str], wanted: list[str] | None, types: list[str] | None) -> set[str] | None:
    """The types one group of rows gets under ``rule``; None: no restriction."""
    if not types:  # crds: an empty selection means no restriction
        return None
    if rule == API:
        return (set(filekinds) & set(types)) or None
    if rule == DIFFS:
        return set(wanted or ()) & set(types)
    return set(types)


def _selection_headers(context: Any, columns: dict[str, Column], rows: np.ndarray) -> tuple[np.ndarray, list[dict]]:
    """(group per row, header of each group) over what the type selection reads."""
    read = [key for key in crdscfg.CALVER_KEYS + crdscfg.EXPTYPE_KEYS if key in columns]
    first_pass = _headers(columns, read, rows)
    params: set[str] = set()
    for header in first_pass[1]:
        cal_ver = next((header[k] for k in crdscfg.CALVER_KEYS if k in header), None)
        config = crdscfg.crdscfg(context, cal_ver) if cal_ver is not None else None
        if isinstance(config, dict):
            params |= {str(p).upper() for p in (config.get("pipeline_exceptions") or {})}
    extra = sorted(params & set(columns) - set(read))
    return _headers(columns, read + extra, rows) if extra else first_pass


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
