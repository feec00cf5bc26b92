"""Keyword constraints of reference files and rmap match values, per observatory, instrument and type.

The facts are crds's ``.tpn`` constraint files, kept as data in
``<observatory>_constraints.json`` (regenerated from an installed crds by
``scripts/regenerate_reference_constraints.py``; its ``provenance`` says which
crds and files). Each constraint is one row ``NAME KEYTYPE DATATYPE PRESENCE
VALUES``:

- keytype: ``H`` header keyword, ``C`` table column, ``G`` group, ``A``/``D``
  array format/data, ``X`` expression;
- datatype: ``C`` character (upper-cased), ``S`` case-sensitive character,
  ``I`` integer, ``R``/``D`` real/double, ``L`` logical, ``X`` expression;
- presence: ``R``/``P`` required, ``O`` optional, ``W`` warn when missing,
  ``E`` excluded, ``F``/``S``/``A`` full frame/subarray, or ``(expression)``;
- values: legal values, ``min:max``, ``&KIND`` (a special checker such as
  ``&PEDIGREE``), or ``(expression)``.

``tpn`` constraints apply to reference files, ``ld_tpn`` ones to an rmap's
match values.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

FIELDS = ("tpn", "ld_tpn")


@dataclass(frozen=True, order=True)
class Constraint:
    name: str
    keytype: str
    datatype: str
    presence: str
    values: tuple[str, ...]

    @property
    def conditional(self) -> bool:
        """Presence given by an expression on the header."""
        return _is_expression(self.presence)

    @property
    def complex(self) -> bool:
        """An expression constraint or a conditional one (not a plain list of legal values)."""
        return self.datatype.startswith("X") or self.conditional

    def describe(self) -> str:
        """crds's representation of the constraint (it appears in some messages)."""
        keytype = _KEYTYPES.get(self.keytype[0], self.keytype[0])
        datatype = _DATATYPES.get(self.datatype[0], self.datatype[0])
        presence = (f"condition={self.presence!r}" if self.conditional
                    else repr(_PRESENCES.get(self.presence[0], self.presence[0])))
        values = (f"expression={self.values[0]!r}" if self.values and _is_expression(self.values[0])
                  else f"values={self.values!r}")
        return f"({self.name!r}, {keytype!r}, {datatype!r}, {presence}, {values})"


_KEYTYPES = {"H": "HEADER", "C": "COLUMN", "G": "GROUP", "A": "ARRAY_FORMAT", "D": "ARRAY_DATA", "X": "EXPRESSION"}
_DATATYPES = {"C": "CHARACTER", "S": "CASE_SENSITIVE_CHARACTER", "I": "INTEGER", "L": "LOGICAL", "R": "REAL",
              "D": "DOUBLE", "X": "EXPRESSION"}
_PRESENCES = {"E": "EXCLUDED", "R": "REQUIRED", "P": "REQUIRED", "W": "WARN", "O": "OPTIONAL", "F": "IF_FULL_FRAME",
              "S": "IF_SUBARRAY", "A": "ANY_SUBARRAY"}


def _is_expression(text: str) -> bool:
    return text.startswith("(") and text.endswith(")")


@lru_cache(maxsize=None)
def _table(observatory: str) -> dict:
    name = f"{observatory.lower()}_constraints.json"
    path = resources.files("crds_batch.observatories").joinpath(name)
    if not path.is_file():
        return {"provenance": {}, "files": {}, "types": {}}
    return json.loads(path.read_text())


def provenance(observatory: str) -> dict:
    """Where the observatory's constraints come from (crds version, files)."""
    return dict(_table(observatory)["provenance"])


def reference_types(observatory: str) -> dict[str, tuple[str, ...]]:
    """Instrument -> the reference types crds knows for it (lower case)."""
    return {instrument: tuple(kinds) for instrument, kinds in _table(observatory)["types"].items()}


def constraint_files(observatory: str, instrument: str, filekind: str, field: str = "tpn") -> list[str]:
    """The constraint files crds applies to ``instrument``/``filekind`` (most specific first)."""
    types = _table(observatory)["types"]
    return list(types.get(str(instrument).lower(), {}).get(str(filekind).lower(), {}).get(field, []))


@lru_cache(maxsize=None)
def constraints(observatory: str, instrument: str, filekind: str, field: str = "tpn") -> tuple[Constraint, ...]:
    """Every constraint on ``instrument``/``filekind``: the union of its files' rows, duplicates once, sorted
    (the order crds checks them in)."""
    files = _table(observatory)["files"]
    rows = set()
    for name in constraint_files(observatory, instrument, filekind, field):
        for name_, keytype, datatype, presence, values in files.get(name, []):
            rows.add(Constraint(name_, keytype, datatype, presence, tuple(values)))
    return tuple(sorted(rows))
