"""The constraints crds checks beyond keyword values: arrays, expressions, groups and SYNPHOT's own checks.

As ``crds certify`` 13.2.7 applies them (``.tpn`` rows kept as data in
:mod:`crds_batch.observatories.constraints`):

- array rows (keytype ``A`` format, ``D`` data) name an HDU; it is described
  to expressions as ``NAME_ARRAY`` (:class:`~.tpn_expressions.ArrayInfo`, or
  ``UNDEFINED``); a required array the file lacks is ``Missing required
  array 'NAME'`` (once per array, before the other checks);
- expression rows (datatype ``X``) on the header or an array must evaluate
  true: ``Constraint EXPR is not satisfied.``, ``Failed checking constraint
  'EXPR' : why``; an expression naming an undefined keyword or array is
  skipped; a ``warn_only`` one that fails is a warning;
- column expression rows (keytype ``C``, datatype ``X``) must hold for each
  value of the column (``VALUE``) in every table that has it; the first value
  that does not is the error; a missing required column is an error;
- group rows (``G``) are not supported by crds: a warning;
- ``&SYNPHOT_*`` rows run :mod:`.synphot_checks`.

Expressions are evaluated by :mod:`.tpn_expressions`, never ``eval``; one
outside that language (helpers crds has for other observatories) is not
checked (``NotChecked``), as a presence condition outside it is not.
"""
from __future__ import annotations

from ..observatories.constraints import Constraint
from ..rules.errors import ExpressionError
from .log import CertifyLog
from .synphot_checks import CHECKS as SYNPHOT_CHECKS
from .value_checks import NotChecked
from .tpn_expressions import UNDEFINED, array_name, array_properties, compile_tpn_expression, identifiers

ARRAY_KEYTYPES = ("A", "D")


class ConstraintFailed(ValueError):
    """A constraint expression that does not hold, or could not be evaluated (crds's text)."""


def handles(constraint: Constraint) -> bool:
    """Whether this module checks ``constraint`` (the plain keyword/column value checks do the rest)."""
    return (constraint.keytype in ARRAY_KEYTYPES or constraint.keytype == "G"
            or constraint.datatype.startswith("X"))


def header_name(constraint: Constraint) -> str:
    """The constraint's name in the checked header: arrays as ``NAME_ARRAY``."""
    return array_name(constraint.name) if constraint.keytype in ARRAY_KEYTYPES else constraint.name


def with_arrays(path: str, header: dict, checks) -> dict:
    """``header`` with ``NAME_ARRAY`` descriptions of the arrays the constraints name (``UNDEFINED`` if absent)."""
    names = [c.name for c in checks if c.keytype in ARRAY_KEYTYPES]
    if not names:
        return header
    from astropy.io import fits

    header = dict(header)
    with fits.open(path) as hdus:
        for name in names:
            if array_name(name) not in header:
                header[array_name(name)] = array_properties(hdus, name)
    return header


def check_complex(constraint: Constraint, path: str, header: dict, tables, context: str | None,
                  log: CertifyLog) -> None:
    """Raise (crds's text) when ``constraint`` does not hold for the reference; log what crds logs directly."""
    if constraint.keytype == "G":
        log.warning("Group keys are not currently supported by CRDS.", path)
        return
    special = constraint.values[0] if len(constraint.values) == 1 else ""
    if special in SYNPHOT_CHECKS:
        SYNPHOT_CHECKS[special](path, header, context, log)
        return
    if not constraint.datatype.startswith("X") or not constraint.values:
        return
    if constraint.keytype == "C":
        _check_column_expression(constraint, tables)
    else:
        check_expression(constraint.values[0], header, log, path)


def check_expression(source: str, header: dict, log: CertifyLog, path: str) -> None:
    """A header/array expression: skipped when a name it uses is undefined, else it must hold."""
    if any(_undefined(header.get(name, UNDEFINED)) for name in identifiers(source)):
        return
    satisfied = _evaluate(source, header)
    if not satisfied:
        raise ConstraintFailed(f"Constraint {source} is not satisfied.")
    if satisfied == "W":
        log.warning(f"Constraint {source} is not satisfied.", path)


def _undefined(value) -> bool:
    return isinstance(value, str) and value == UNDEFINED


def _check_column_expression(constraint: Constraint, tables) -> None:
    source = constraint.values[0]
    for colnames, rows in tables:
        if constraint.name not in colnames:
            continue
        index = colnames.index(constraint.name)
        for row in rows:
            value = row[index]
            if value is None or _undefined(value):
                continue
            if not _evaluate(source, {"VALUE": value}):
                raise ConstraintFailed(f"Constraint {source} is not satisfied.")


def _evaluate(source: str, names: dict):
    try:
        expression = compile_tpn_expression(source)
    except ExpressionError:  # outside the language we evaluate (helpers of other observatories): not checked
        raise NotChecked(source) from None
    try:
        return expression.evaluate(names)
    except Exception as exc:  # noqa: BLE001 - any failure is crds's "Failed checking constraint"
        raise ConstraintFailed(f"Failed checking constraint {source!r} : {exc}") from None
