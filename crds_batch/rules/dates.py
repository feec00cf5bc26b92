"""Dataset date parsing for UseAfter, with crds's accepted formats and error texts.

UseAfter compares the *normalized* dataset date ``YYYY-MM-DD HH:MM:SS[.ffffff]``
with the rmap's keys as raw strings; this module produces that normalized form.
Error messages are the ones Python's ``int``/``float``/``datetime`` raise, as in
crds, because they end up verbatim in ``NOT FOUND ...`` results.
"""
from __future__ import annotations

import datetime
import re
from functools import lru_cache

from .errors import InvalidDatetimeError

_T_SEPARATED = re.compile(r"^\d\d\d\d[-/]\d\d[-/]\d\dT\d\d(:\d\d){1,2}(\.\d{1,6})?$")
_ALPHABETICAL = re.compile(r"[A-Za-z]{3,10}")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# (pattern, order of the '/'-separated fields, century prefix)
_NUMERIC_DATES = (
    (re.compile(r"^\d\d/\d\d/\d\d\d\d$"), ("month", "day", "year"), ""),
    (re.compile(r"^\d\d\d\d/\d\d/\d\d$"), ("year", "month", "day"), ""),
    (re.compile(r"^\d\d/\d\d/9\d$"), ("day", "month", "year"), "19"),
    (re.compile(r"^\d\d/\d\d/[0-3]\d$"), ("day", "month", "year"), "20"),
)
_DATE_COLON_TIME = re.compile(r"^\d\d\d\d\d\d\d\d:\d\d\d\d\d\d$")


def parse_date(date: str) -> datetime.datetime:
    """Parse a dataset date/time string in any format crds accepts."""
    if "UNDEFINED" in date:
        raise InvalidDatetimeError("One or more required date/time values is UNDEFINED")
    if date.endswith(" UT"):
        date = date[:-3]
    if _T_SEPARATED.match(date):
        date = date.replace("T", " ")
    if _ALPHABETICAL.search(date):
        return _parse_alphabetical(date)
    return _parse_numerical(date)


@lru_cache(maxsize=65536)
def reformat_date(date: str) -> str:
    """Normalize ``date`` to ``YYYY-MM-DD HH:MM:SS[.ffffff]`` (cached: dates repeat a lot)."""
    return parse_date(date).isoformat(" ")


def _month_number(month: str, initial: str) -> int:
    try:
        return _MONTHS.index(month[:3].capitalize()) + 1
    except ValueError:
        raise ValueError(f"Invalid month value {month!r} in base date {initial!r}") from None


def parse_time(time: str) -> tuple[int, int, int, int]:
    """``HH:MM[:SS[.f]][AM|PM]`` -> (hour, minute, second, microsecond)."""
    time = time.strip()
    meridian = time[-2:].upper()
    if meridian in ("AM", "PM"):
        time = time[:-2]
    else:
        meridian = ""
    fields = time.split(":")
    if len(fields) == 2:
        hour, minute = fields
        second = "00"
    elif len(fields) == 3:
        hour, minute, second = fields
    else:
        # crds unpacks into four names here; reproduce its unpacking error text.
        hour, minute, second, _subsecond = fields
    ihour = int(hour)
    iminute = int(minute)
    fsecond = float(second)
    isecond = int(fsecond)
    microsecond = int((fsecond - isecond) * 10**6)
    if meridian == "PM" and ihour < 12:
        ihour += 12
    elif meridian == "AM" and ihour == 12:
        ihour -= 12
    return ihour, iminute, isecond, microsecond


def _parse_alphabetical(date: str) -> datetime.datetime:
    initial = date
    while date.lower().endswith(" am"):
        date = date.lower().replace(" am", "am")
    while date.lower().endswith(" pm"):
        date = date.lower().replace(" pm", "pm")
    date = date.replace("-", " ").replace("/", " ")
    fields = date.split()
    if len(fields) == 4:
        month, day, year, time = fields
    else:
        month, day, year = fields
        time = "00:00AM"
    if day.endswith(","):
        day = day[:-1]
    try:
        imonth, iday, iyear = _month_number(month, initial), int(day), int(year)
    except Exception:
        day, month = month, day
        imonth, iday, iyear = _month_number(month, initial), int(day), int(year)
    hour, minute, second, microsecond = parse_time(time)
    return datetime.datetime(iyear, imonth, iday, hour, minute, second, microsecond)


def _parse_numerical(text: str) -> datetime.datetime:
    text = text.replace("-", "/")
    parts = text.split()
    date = parts[0]
    time = "00:00:00" if len(parts) == 1 else " ".join(parts[1:])
    hour, minute, second, microsecond = parse_time(time)
    for pattern, order, century in _NUMERIC_DATES:
        if pattern.match(date):
            fields = dict(zip(order, date.split("/")))
            fields["year"] = century + fields["year"]
            break
    else:
        if not _DATE_COLON_TIME.match(date):
            raise ValueError("Unknown numerical date format: " + repr(text))
        fields = {"year": date[:4], "month": date[4:6], "day": date[6:8]}
        hour, minute, second, microsecond = int(date[9:11]), int(date[11:13]), int(date[13:15]), 0
    month, day, year = int(fields["month"]), int(fields["day"]), int(fields["year"])
    return datetime.datetime(year, month, day, hour, minute, second, microsecond)
