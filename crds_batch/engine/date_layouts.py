"""Dataset dates in the common layouts, normalized with array operations: the vectorized counterpart of
:mod:`crds_batch.rules.dates` for the values it would parse to a whole second.

crds parses a date and its time joined by a blank (``DATE-OBS TIME-OBS``). For the
layouts below the date part and the time part are read independently (crds's
numerical and alphabetical paths both do), so each column's *distinct* values are
read once as code points and the pairs combine two small arrays. A pair gets the
number ``YYYYMMDDHHMMSS`` of its normalized date ``YYYY-MM-DD HH:MM:SS`` only where
both parts are in a layout listed here and ``datetime`` accepts the fields; every
other pair (fractions of a second, other layouts, impossible dates, ``UNDEFINED``)
is left to the parser, which gives its normalized text or its failure text.

Dates (blanks around them stripped, ``?`` a ``-`` or ``/``, as crds reads them):
``YYYY?MM?DD``; ``MM?DD?YYYY``; ``DD?MM?YY`` (``9Y`` -> 19YY, ``0Y``-``3Y`` ->
20YY); ``YYYYMMDD:HHMMSS`` (its own time of day; the time part need only parse);
``Mon DD YYYY`` (a month's three-letter name in any case, separated by blanks,
``-`` or ``/``). Times: ``HH:MM:SS`` or ``HH:MM``, optionally followed by
``AM``/``PM`` (any case, with or without a blank: 12 AM is hour 0, PM adds 12 below
12), or by `` UT`` (crds drops it from the end of the text).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_MONTH_NAMES = np.array([[ord(c) for c in name] for name in ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG",
                                                                 "SEP", "OCT", "NOV", "DEC")])


def code_matrix(texts: np.ndarray, width: int) -> np.ndarray:
    """The first ``width`` characters of each text (a numpy ``str`` array) as code points, one row per text
    (shorter texts padded with blanks)."""
    return np.char.ljust(texts, width).astype(f"U{width}").view(np.uint32).reshape(-1, width).astype(np.int64)


def _number(m: np.ndarray, columns: slice) -> tuple[np.ndarray, np.ndarray]:
    """(True where the code points ``m[:, columns]`` are all ASCII digits, the number they spell)."""
    digits = m[:, columns] - ord("0")
    ok = ((digits >= 0) & (digits <= 9)).all(axis=1)
    return ok, digits @ (10 ** np.arange(digits.shape[1] - 1, -1, -1, dtype=np.int64))


def _is(m: np.ndarray, column: int, characters: str) -> np.ndarray:
    return np.isin(m[:, column], [ord(c) for c in characters])


def calendar_ok(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """True where ``datetime`` accepts the year, month and day."""
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_ok = (month >= 1) & (month <= 12)
    days = np.where(month_ok, _DAYS[np.clip(month, 0, 12)], 0) + ((month == 2) & leap)
    return month_ok & (day >= 1) & (day <= days) & (year >= 1) & (year <= 9999)


def clock_ok(hour: np.ndarray, minute: np.ndarray, second: np.ndarray) -> np.ndarray:
    """True where ``datetime`` accepts the hour, minute and second."""
    return (hour >= 0) & (hour <= 23) & (minute >= 0) & (minute <= 59) & (second >= 0) & (second <= 59)


class DateFields(NamedTuple):
    """Per date text: where it is in a layout of this module, its ``YYYYMMDD`` and, for ``YYYYMMDD:HHMMSS``,
    its ``HHMMSS`` (else -1)."""

    ok: np.ndarray
    day: np.ndarray
    clock: np.ndarray


def date_fields(texts: np.ndarray) -> DateFields:
    """:class:`DateFields` of stripped date texts (a numpy ``str`` array)."""
    n = len(texts)
    lengths = np.char.str_len(texts) if n else np.zeros(0, dtype=np.int64)
    m = code_matrix(texts, 15) if n else np.zeros((0, 15), dtype=np.int64)
    separated = _is(m, 2, "-/") & _is(m, 5, "-/")
    layouts = []  # (rows in the layout, year, month, day): the layouts exclude each other
    # MM?DD?YYYY
    (a_ok, a), (b_ok, b), (c_ok, c) = _number(m, slice(0, 2)), _number(m, slice(3, 5)), _number(m, slice(6, 10))
    layouts.append(((lengths == 10) & separated & a_ok & b_ok & c_ok, c, a, b))
    # YYYY?MM?DD
    (a_ok, a), (b_ok, b), (c_ok, c) = _number(m, slice(0, 4)), _number(m, slice(5, 7)), _number(m, slice(8, 10))
    layouts.append(((lengths == 10) & _is(m, 4, "-/") & _is(m, 7, "-/") & a_ok & b_ok & c_ok, a, b, c))
    # DD?MM?YY, years 1990-1999 (9Y) and 2000-2039 (0Y-3Y)
    (a_ok, a), (b_ok, b), (c_ok, c) = _number(m, slice(0, 2)), _number(m, slice(3, 5)), _number(m, slice(6, 8))
    century = np.where(m[:, 6] == ord("9"), 1900, np.where(_is(m, 6, "0123"), 2000, -1))
    layouts.append(((lengths == 8) & separated & a_ok & b_ok & c_ok & (century > 0), century + c, b, a))
    # YYYYMMDD:HHMMSS, the date with its own time of day
    (a_ok, a), (b_ok, b) = _number(m, slice(0, 8)), _number(m, slice(9, 15))
    colon = (lengths == 15) & (m[:, 8] == ord(":")) & a_ok & b_ok
    layouts.append((colon, a // 10_000, a // 100 % 100, a % 100))
    clock = np.where(colon, b, -1)
    # Mon DD YYYY (crds's alphabetical path: blanks, '-' and '/' separate the fields)
    upper = np.where((m[:, :3] >= ord("a")) & (m[:, :3] <= ord("z")), m[:, :3] - 32, m[:, :3])
    is_month = (upper[:, None, :] == _MONTH_NAMES[None, :, :]).all(axis=2)  # rows x 12
    (b_ok, b), (c_ok, c) = _number(m, slice(4, 6)), _number(m, slice(7, 11))
    named = (lengths == 11) & is_month.any(axis=1) & _is(m, 3, " -/") & _is(m, 6, " -/") & b_ok & c_ok
    layouts.append((named, c, is_month.argmax(axis=1) + 1, b))
    masks = [layout[0] for layout in layouts]
    year, month, day = (np.select(masks, [layout[i] for layout in layouts], 0) for i in (1, 2, 3))
    ok = np.logical_or.reduce(masks) & calendar_ok(year, month, day)
    ok &= ~colon | clock_ok(clock // 10_000, clock // 100 % 100, clock % 100)
    return DateFields(ok, (year * 100 + month) * 100 + day, clock)


class TimeFields(NamedTuple):
    """Per time text: where it is in a layout of this module (it parses), where its fields make a valid time
    of day, and its ``HHMMSS`` (meridian applied)."""

    parses: np.ndarray
    ok: np.ndarray
    clock: np.ndarray


def time_fields(texts: np.ndarray) -> TimeFields:
    """:class:`TimeFields` of stripped time texts (a numpy ``str`` array), each the end of its date's text."""
    n = len(texts)
    lengths = np.char.str_len(texts) if n else np.zeros(0, dtype=np.int64)
    m = code_matrix(texts, 11) if n else np.zeros((0, 11), dtype=np.int64)
    # crds drops " UT" from the end of the text; "AM"/"PM" (any case) may follow with or without a blank.
    ut = (lengths >= 8) & (np.take_along_axis(m, np.clip(lengths[:, None] - 3, 0, 8) + np.arange(3), 1)
                           == [ord(" "), ord("U"), ord("T")]).all(axis=1)
    meridian_at = np.clip(lengths - 2, 0, 9)
    tail = np.take_along_axis(m, meridian_at[:, None] + np.arange(2), 1) | 32  # lower case
    am, pm = (tail == [ord("a"), ord("m")]).all(axis=1), (tail == [ord("p"), ord("m")]).all(axis=1)
    meridian = ~ut & (am | pm) & (lengths >= 7)
    body = np.where(ut, lengths - 3, np.where(meridian, lengths - 2, lengths))
    body -= meridian & (np.take_along_axis(m, np.clip(body - 1, 0, 10)[:, None], 1)[:, 0] == ord(" "))
    hour_ok, hour = _number(m, slice(0, 2))
    minute_ok, minute = _number(m, slice(3, 5))
    second_ok, second = _number(m, slice(6, 8))
    short = (body == 5) & hour_ok & (m[:, 2] == ord(":")) & minute_ok
    long = (body == 8) & hour_ok & (m[:, 2] == ord(":")) & minute_ok & (m[:, 5] == ord(":")) & second_ok
    second = np.where(long, second, 0)
    hour = np.where(pm & meridian & (hour < 12), hour + 12, np.where(am & meridian & (hour == 12), 0, hour))
    parses = short | long
    return TimeFields(parses, parses & clock_ok(hour, minute, second), (hour * 100 + minute) * 100 + second)


def pair_numbers(dates: DateFields, times: TimeFields, date_codes: np.ndarray, time_codes: np.ndarray) -> np.ndarray:
    """Per (date, time) pair of codes into the fields' texts: ``YYYYMMDDHHMMSS`` of its normalized date where
    both are in a layout of this module and make a valid date, else -1."""
    colon = dates.clock[date_codes] >= 0
    ok = dates.ok[date_codes] & np.where(colon, times.parses[time_codes], times.ok[time_codes])
    clock = np.where(colon, dates.clock[date_codes], times.clock[time_codes])
    return np.where(ok, dates.day[date_codes] * 1_000_000 + clock, -1)
