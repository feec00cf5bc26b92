"""One value against one constraint's legal values, as crds's validators judge it.

Each check raises ``ValueError`` with crds's text when the value is not legal
and returns quietly otherwise. Values come conditioned as crds conditions them
for the constraint's datatype (character: stripped, upper-cased; integer:
``int``; real/double: ``float``).
"""
from __future__ import annotations

import datetime
import pprint
import re

from ..observatories.constraints import Constraint
from ..rules.conditioning import glob_list

#: Tolerances of real (32-bit) and double values compared with legal ones.
EPSILON = {"R": 1e-7, "D": 1e-14}
_FLOAT_NAMES = {"R": "Real", "D": "Double"}
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


class NotChecked(Exception):
    """A constraint kind this checker does not evaluate (arrays, expressions, SYNPHOT checks)."""


def condition(constraint: Constraint, value):
    kind = constraint.datatype[0]
    if kind == "C":
        return str(value).strip().upper()
    if kind == "S":
        return str(value).strip()
    if kind == "I":
        return int(value)
    if kind in EPSILON:
        return float(value)
    return str(value)


def _range(constraint: Constraint):
    values = constraint.values
    if constraint.datatype[0] in ("I", "R", "D") and len(values) == 1 and ":" in values[0]:
        low, high = values[0].split(":")
        return condition(constraint, low), condition(constraint, high)
    return None


def legal_values(constraint: Constraint) -> list:
    if constraint.datatype[0] == "L":
        return ["T", "F"]
    bounds = _range(constraint)
    if bounds is not None:
        return list(bounds)
    return sorted(condition(constraint, value) for value in constraint.values)


def check_value(constraint: Constraint, value) -> None:
    """Raise ``ValueError`` (crds's message) unless ``value`` is legal for ``constraint``."""
    special = constraint.values[0] if len(constraint.values) == 1 and constraint.values[0].startswith("&") else None
    value = condition(constraint, value) if special is None else str(value)
    if special is not None:
        _SPECIAL.get(special, _not_checked)(value)
        return
    legal = legal_values(constraint)
    if not legal:
        return
    kind = constraint.datatype[0]
    if kind in ("C", "S"):
        for part in glob_list(value):
            _one_of(part, legal)
        return
    bounds = _range(constraint)
    if bounds is not None:
        if value < bounds[0] or value > bounds[1]:
            raise ValueError(f"Value for {constraint.name!r} of {value!r} is outside acceptable range "
                             f"{constraint.values[0]}")
        return
    if kind in EPSILON:
        if value in legal:
            return
        if any(abs(value - possible) <= 1e-8 + EPSILON[kind] * abs(possible) for possible in legal):
            return
        raise ValueError(f"{_FLOAT_NAMES[kind]} {value!r} is not within +- {EPSILON[kind]!r} of any of {legal!r}")
    _one_of(value, legal)


def _one_of(value, legal: list) -> None:
    if value not in legal:
        raise ValueError(f"Value {pprint.pformat(value)} is not one of {pprint.pformat(legal)}")


def _not_checked(value: str) -> None:
    raise NotChecked(value)


# Dates --------------------------------------------------------------------------------------------------------

_SYBDATE = re.compile(r"(?P<month>[A-Za-z]{1,10})\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{1,4})"
                      r"(\s+(?P<hour>\d{1,2}):(?P<minute>\d{1,2}):(?P<second>\d{1,2})\s*(?P<meridian>am|pm|AM|PM)?)?")
_SLASHDATE = re.compile(r"(?P<day>\d\d)\s*/\s*(?P<month>\d\d)\s*/\s*(?P<year>\d\d\d\d)")
_DASHDATE = re.compile(r"(?P<year>\d\d\d\d)\-(?P<month>\d\d)\-(?P<day>\d\d)")
_JWSTDATE = re.compile(r"^(?P<year>\d\d\d\d)\-(?P<month>\d\d)\-(?P<day>\d\d)"
                       r"(T(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d))?$")


def _parse(pattern: re.Pattern, name: str, should_be: str, text: str) -> datetime.datetime:
    match = pattern.match(text)
    if not match:
        raise ValueError(f"Invalid {name!r} format {text!r} should be {should_be!r}")
    items = {key: value for key, value in match.groupdict().items() if value}
    if name == "Sybdate":
        month = items["month"]
        if month[:3].capitalize() not in _MONTHS:
            raise ValueError(f"Invalid month value {month!r} in base date None")
        items["month"] = str(_MONTHS.index(month[:3].capitalize()) + 1)
        meridian = items.pop("meridian", None)
        if meridian:
            hour = int(items["hour"])
            hour = hour + 12 if meridian.lower() == "pm" and hour < 12 else (
                hour - 12 if meridian.lower() == "am" and hour == 12 else hour)
            items["hour"] = str(hour)
    return datetime.datetime(**{key: int(value) for key, value in items.items()})


def sybdate(text: str) -> datetime.datetime:
    return _parse(_SYBDATE, "Sybdate", "Mar 21 2001 12:00:00 am", text)


def slashdate(text: str) -> datetime.datetime:
    return _parse(_SLASHDATE, "Slashdate", "DD/MM/YYYY", text)


def dashdate(text: str) -> datetime.datetime:
    return _parse(_DASHDATE, "Dashdate", "YYYY-MM-DD", text)


def jwstdate(text: str) -> datetime.datetime:
    return _parse(_JWSTDATE, "Jwstdate", "2018-12-22T00:00:00", text)


def anydate(text: str) -> datetime.datetime:
    try:
        return slashdate(text)
    except ValueError:
        pass
    try:
        return sybdate(text)
    except ValueError as exc:
        raise ValueError(f"Invalid Anydate format {text!r}") from exc


# Pedigrees ----------------------------------------------------------------------------------------------------

def _pedigree_checker(simple: tuple[str, ...], dated: tuple[str, ...], dated_format: str, parse_date):
    """A PEDIGREE check: a simple value, or a kind with start and stop dates."""
    every = ("INFLIGHT", "GROUND", "MODEL", "DUMMY", "SIMULATION")

    def check(text: str) -> None:
        try:
            kind = _pedigree_kind(text)
        except ValueError as exc:
            raise ValueError(f"Invalid value: {text!r} : {exc}") from None
        _one_of(kind, list(every))

    def _pedigree_kind(text: str) -> str:
        words = text.split()
        if not words:
            raise ValueError("Missing value.")
        kind = words[0].upper()
        if len(words) == 1:
            if kind not in simple:
                raise ValueError(f"Value {kind!r} cannot be used as a simple value.")
            return kind
        if len(words) != 3:
            raise ValueError(repr(("Invalid format for PEDIGREE: ", repr(text))))
        if kind not in dated:
            raise ValueError(f"Value {kind!r} cannot be specified with <start> and <stop> dates.")
        start, stop = words[1:]
        inflight = f"INFLIGHT format should be {dated_format!r} : "
        if any(char in "T :" for char in start + stop):
            raise ValueError(inflight + "Time should not appear in INFLIGHT dates.")
        try:
            start_date, stop_date = parse_date(start), parse_date(stop)
        except Exception as exc:  # noqa: BLE001 - crds reports any date failure in this form
            raise ValueError(inflight + str(exc)) from None
        if not start_date <= stop_date:
            raise ValueError(inflight + "Start date > stop date")
        return kind

    return check


def _hst_pedigree_date(text: str) -> datetime.datetime:
    try:
        return dashdate(text)
    except Exception:  # noqa: BLE001 - then the slash form, as crds tries
        return slashdate(text)


def _jwst_date(text: str) -> None:
    try:
        jwstdate(text)
    except ValueError:
        try:
            anydate(text)
        except ValueError:
            try:
                jwstdate(text.replace(" ", "T"))
            except ValueError:
                jwstdate(text)
        raise NonCompliant(f"Non-compliant date format {text!r}")


class NonCompliant(Exception):
    """A legal value in a discouraged form: crds warns (``Non-compliant date format ... should be ...``)."""


_SPECIAL = {
    "&PEDIGREE": _pedigree_checker(("GROUND", "MODEL", "DUMMY", "SIMULATION"),
                                   ("INFLIGHT", "GROUND", "MODEL", "DUMMY", "SIMULATION"),
                                   "INFLIGHT DD/MM/YYYY DD/MM/YYYY", _hst_pedigree_date),
    "&JWSTPEDIGREE": _pedigree_checker(("GROUND", "MODEL", "DUMMY", "SIMULATION"), ("INFLIGHT", "MODEL"),
                                       "INFLIGHT YYYY-MM-DD YYYY-MM-DD", dashdate),
    "&SYBDATE": sybdate,
    "&SLASHDATE": slashdate,
    "&ANYDATE": anydate,
    "&JWSTDATE": _jwst_date,
}
