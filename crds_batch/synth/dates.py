"""Observation dates: drawn across each instrument's mission, written as real headers write them.

Dates are drawn as ``datetime64[s]`` arrays and rendered through lookup
tables (one string per distinct day, one per second of the day), so a
million dates cost a few array gathers instead of a million ``strftime``.
A small fraction is written in the other formats CRDS accepts
(``MM/DD/YYYY``, ``DD/MM/YY``, month names, AM/PM, a trailing `` UT``...).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

#: Rule dates before this are placeholders ("1900-01-01"), not mission dates.
PLACEHOLDER_LIMIT = np.datetime64("1980-01-01T00:00:00", "s")
#: How far past the last UseAfter date datasets keep coming (instruments go on observing).
MISSION_TAIL = np.timedelta64(2 * 365 * 86400, "s")
#: How far before the earliest UseAfter date the "too early" datasets fall.
EARLY_REACH = np.timedelta64(3 * 365 * 86400, "s")
SECONDS_PER_DAY = 86400
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class DateStyle:
    """How one observatory writes a dataset's date: which keys, what precision."""

    keys: tuple[str, ...]
    #: Digits of fractional seconds in the normal format (0: none).
    fraction_digits: int = 0
    #: Single key holding date and time joined by "T" (Roman), else date and time keys.
    joined: bool = False


#: Date styles per observatory, keyed by observatory name.
#: Precision of the normal date format per observatory (the keys come from the observatory table).
_FRACTION_DIGITS = {"jwst": 3, "roman": 3}


def date_style(observatory) -> DateStyle:
    """How ``observatory`` (an :class:`~crds_batch.observatories.Observatory`) writes dataset dates."""
    keys = tuple(observatory.date_keywords)
    return DateStyle(keys, fraction_digits=_FRACTION_DIGITS.get(observatory.name, 0), joined=len(keys) == 1)


def to_datetime64(text: str) -> np.datetime64:
    """Parse a rule date (``YYYY-MM-DD HH:MM:SS`` or with ``T``) to seconds; NaT if not a date."""
    try:
        return np.datetime64(text.strip().replace(" ", "T")[:19], "s")
    except ValueError:
        return np.datetime64("NaT", "s")


#: No observation of a mission predates its launch, whatever its rules' (ground test) UseAfter dates say.
#: Public launch dates: HST 1990-04-24 (STS-31), JWST 2021-12-25 (Ariane 5 VA256). Others: no floor.
MISSION_LAUNCH = {
    "hst": np.datetime64("1990-04-24T00:00:00", "s"),
    "jwst": np.datetime64("2021-12-25T00:00:00", "s"),
}


def first_rule_date(useafter_dates: tuple[str, ...] | list[str]) -> np.datetime64:
    """The earliest real (not placeholder) UseAfter date; 2000-01-01 when there is none."""
    real = _real_dates(useafter_dates)
    return real.min() if len(real) else np.datetime64("2000-01-01T00:00:00", "s")


def _real_dates(useafter_dates) -> np.ndarray:
    parsed = np.array([to_datetime64(text) for text in useafter_dates], dtype="datetime64[s]")
    parsed = parsed[~np.isnat(parsed)]
    return parsed[parsed >= PLACEHOLDER_LIMIT]


def mission_span(useafter_dates: tuple[str, ...] | list[str],
                 observatory: str | None = None) -> tuple[np.datetime64, np.datetime64]:
    """The span datasets of an instrument are drawn from: first real UseAfter date to last plus a tail.

    Never before the observatory's launch (:data:`MISSION_LAUNCH`): then the span starts at the
    launch and lasts at least :data:`MISSION_TAIL`.
    """
    real = _real_dates(useafter_dates)
    start = first_rule_date(useafter_dates)
    end = (real.max() if len(real) else start) + MISSION_TAIL
    launch = MISSION_LAUNCH.get((observatory or "").lower())
    if launch is not None and start < launch:
        start = launch
        end = max(end, launch + MISSION_TAIL)
    return start, end


def draw_dates(rng: np.random.Generator, min_dates: np.ndarray, span: tuple[np.datetime64, np.datetime64],
               early_fraction: float, early_before: np.datetime64 | None = None) -> np.ndarray:
    """One date per dataset, uniform between its archetype's earliest usable date and the mission end.

    A fraction ``early_fraction`` falls before ``early_before`` instead (the instrument's first
    UseAfter date; default the span's start).
    """
    start, end = span
    lower = np.where(np.isnat(min_dates) | (min_dates < start), start, min_dates)
    lower = np.minimum(lower, end - np.timedelta64(1, "D"))
    width = (end - lower).astype(np.int64)
    dates = lower + (rng.random(len(lower)) * width).astype("timedelta64[s]")
    early = rng.random(len(lower)) < early_fraction
    if early.any():
        reach = EARLY_REACH.astype(np.int64)
        offsets = (rng.random(int(early.sum())) * reach).astype(np.int64) + 1
        before = start if early_before is None else min(start, early_before)
        dates[early] = before - offsets.astype("timedelta64[s]")
    return dates


@functools.lru_cache(maxsize=4)
def _time_table() -> np.ndarray:
    """'HH:MM:SS' for every second of a day."""
    return np.array([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(SECONDS_PER_DAY)],
                    dtype=object)


def format_dates(rng: np.random.Generator, dates: np.ndarray, style: DateStyle,
                 odd_fraction: float) -> dict[str, np.ndarray]:
    """Render ``dates`` into the observatory's date keys, object arrays of strings.

    A fraction ``odd_fraction`` is written in another format CRDS accepts.
    """
    seconds = dates.astype("datetime64[s]").astype(np.int64)
    days = seconds // SECONDS_PER_DAY
    in_day = seconds - days * SECONDS_PER_DAY
    first = int(days.min()) if len(days) else 0
    day_table = np.array([str(np.datetime64(first + i, "D")) for i in range(int(days.max()) - first + 1)]
                         if len(days) else [], dtype=object)
    date_text = day_table[days - first]
    time_text = _time_table()[in_day]
    if style.fraction_digits:
        fractions = rng.integers(0, 10 ** style.fraction_digits, len(dates))
        time_text = np.array([f"{t}.{f:0{style.fraction_digits}d}" for t, f in zip(time_text, fractions)],
                             dtype=object)
    if style.joined:
        joined = np.array([f"{d}T{t}" for d, t in zip(date_text, time_text)], dtype=object)
        odd = np.flatnonzero(rng.random(len(dates)) < odd_fraction)
        for i in odd:
            joined[i] = f"{date_text[i]} {time_text[i]}"
        return {style.keys[0]: joined}
    odd = np.flatnonzero(rng.random(len(dates)) < odd_fraction)
    if len(odd):
        kinds = rng.integers(len(_ODD_FORMATS), size=len(odd))
        for i, kind in zip(odd, kinds):
            date_text[i], time_text[i] = _ODD_FORMATS[kind](dates[i].item(), rng)
    return {style.keys[0]: date_text, style.keys[1]: time_text}


def _hms(moment) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"


def _twelve_hour(moment) -> str:
    hour = moment.hour % 12 or 12
    return f"{hour:02d}:{moment.minute:02d}:{moment.second:02d} {'AM' if moment.hour < 12 else 'PM'}"


def _fraction(moment, rng) -> str:
    return f"{_hms(moment)}.{int(rng.integers(0, 1_000_000)):06d}"


#: Other (date, time) spellings CRDS parses, from a datetime.datetime.
_ODD_FORMATS = (
    lambda m, rng: (f"{m.year:04d}/{m.month:02d}/{m.day:02d}", _hms(m)),
    lambda m, rng: (f"{m.month:02d}/{m.day:02d}/{m.year:04d}", f"{m.hour:02d}:{m.minute:02d}"),
    lambda m, rng: (f"{m.month:02d}-{m.day:02d}-{m.year:04d}", _hms(m)),
    # Two-digit years: 9x means 19xx, [0-3]x means 20xx.
    lambda m, rng: ((f"{m.day:02d}/{m.month:02d}/{m.year % 100:02d}", _twelve_hour(m))
                    if 1990 <= m.year < 2040 else (f"{m.year:04d}-{m.month:02d}-{m.day:02d}", _hms(m))),
    lambda m, rng: (f"{MONTHS[m.month - 1]} {m.day:02d} {m.year:04d}", _twelve_hour(m).replace(" ", "")),
    lambda m, rng: (f"{m.year:04d}-{m.month:02d}-{m.day:02d}", f"{_hms(m)} UT"),
    lambda m, rng: (f"{m.year:04d}-{m.month:02d}-{m.day:02d}", _fraction(m, rng)),
    lambda m, rng: (f"{m.year:04d}{m.month:02d}{m.day:02d}:{m.hour:02d}{m.minute:02d}{m.second:02d}", _hms(m)),
)
