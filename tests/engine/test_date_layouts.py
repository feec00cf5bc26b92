"""Dates in the common layouts, normalized with array operations, equal the scalar parser (crds's rules)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from crds_batch.engine.date_layouts import date_fields, pair_numbers, time_fields
from crds_batch.rules.dates import reformat_date


def _text(number: int) -> str:
    digits = f"{number:014d}"
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]} {digits[8:10]}:{digits[10:12]}:{digits[12:]}"


def _parsed(date: str, time: str) -> str | None:
    """What crds's parser makes of the pair (None: it fails)."""
    try:
        return reformat_date(date.strip() + " " + time.strip())
    except Exception:
        return None


def _numbers(dates: list[str], times: list[str]) -> np.ndarray:
    """pair_numbers of every (date, time) pair, dates varying slowest."""
    date_codes, time_codes = (codes.ravel() for codes in np.meshgrid(np.arange(len(dates)), np.arange(len(times)),
                                                                       indexing="ij"))
    strip = np.vectorize(str.strip, otypes=[str])
    return pair_numbers(date_fields(strip(np.array(dates, dtype=str))), time_fields(strip(np.array(times, dtype=str))),
                        date_codes, time_codes)


def _fields(rng: np.random.Generator, count: int, widths: tuple[int, ...], limits: tuple[int, ...]) -> list[tuple]:
    """``count`` tuples of numbers, each field below 1.3x its limit (some out of range), zero-padded."""
    return [tuple(f"{int(rng.integers(0, limit * 13 // 10 + 1)):0{width}d}" for width, limit in zip(widths, limits))
            for _ in range(count)]


def _layout_dates(rng: np.random.Generator) -> list[str]:
    dates = []
    for year, month, day in _fields(rng, 40, (4, 2, 2), (2040, 12, 31)):
        for a, b in itertools.product("-/", "-/"):
            dates += [f"{year}{a}{month}{b}{day}", f"{month}{a}{day}{b}{year}"]
        dates += [f"{day}/{month}/{year[2:]}", f"{day}-{month}-{year[2:]}", f"{year}{month}{day}:{month}{day}{day}",
                  f"{'JanfebMARAprMAYjunJulAUGsepOctNOVdec'[int(month) % 12 * 3:][:3]} {day} {year}",
                  f"jun-{day}/{year}"]
    return dates + ["1999-12-31", "2000-02-29", "1900-02-29", "0000-01-01", "12/31/99", "31/12/99", "01/02/45",
                    "20120230:120000", "20120229:240000", "XYZ 01 2012", " 2012-05-06 ", "2012-05-06T12:00:00",
                    "Sept 01 2012", "2012-5-6", "UNDEFINED", ""]


def _layout_times(rng: np.random.Generator) -> list[str]:
    times = []
    for hour, minute, second in _fields(rng, 12, (2, 2, 2), (23, 59, 59)):
        times += [f"{hour}:{minute}:{second}", f"{hour}:{minute}", f"{hour}:{minute}:{second} UT",
                  f"{hour}:{minute} UT", f"{hour}:{minute}:{second} PM", f"{hour}:{minute}:{second}am",
                  f"{hour}:{minute} Am", f"{hour}:{minute}pM"]
    return times + ["12:00:00 AM", "12:00:00 PM", "00:30:00 PM", "13:00:00 AM", "11:59:59 PM", "12:00:00.5",
                    "12:00:00 ut", "12:00:00 UT PM", "12:00:00  PM", "1:02:03", "UT", "12:00:00 XM", " 09:30:00 ",
                    "12:00:00 U", "UNDEFINED", ""]


#: Texts the parser may normalize to a whole second that are in no layout of date_layouts.
OUTSIDE = ("2012-05-06T12:00:00", "Sept 01 2012", "2012-5-6", "", "1:02:03", "UT", "12:00:00  PM", "12:00:00.5")


@pytest.mark.parametrize("seed", [1, 2])
def test_layouts_normalize_as_the_parser_does(seed):
    """Every pair numbered is the parser's whole-second date; every pair the parser normalizes to a whole second
    from documented layouts is numbered; pairs it fails on are not."""
    rng = np.random.default_rng(seed)
    dates, times = _layout_dates(rng), _layout_times(rng)
    numbers = _numbers(dates, times)
    numbered = 0
    for (date, time), number in zip(itertools.product(dates, times), numbers.tolist()):
        expected = _parsed(date, time)
        if number >= 0:
            numbered += 1
            assert _text(number) == expected, (date, time)
        elif expected is not None and "." not in expected:
            # Left to the parser although it gives a whole second: only for what the layouts leave out.
            assert date.strip() in OUTSIDE or time.strip() in OUTSIDE, (date, time, expected)
    assert numbered > len(numbers) // 10


def test_the_date_layouts_read_their_fields():
    fields = date_fields(np.array(["05/06/2012", "2012/05/06", "06-05-12", "06/05/95", "06/05/45",
                                   "20120506:070809", "MAY 06 2012", "may/06-2012", "2012-02-30"]))
    assert fields.ok.tolist() == [True, True, True, True, False, True, True, True, False]
    assert fields.day[fields.ok].tolist() == [20120506, 20120506, 20120506, 19950506, 20120506, 20120506, 20120506]
    assert fields.clock.tolist() == [-1] * 5 + [70809] + [-1] * 3


def test_the_time_layouts_apply_the_meridian_and_drop_ut():
    fields = time_fields(np.array(["12:00:00 AM", "12:00:00PM", "01:30 pm", "13:00:00 AM", "10:11:12 UT",
                                   "10:11 UT", "24:00:00", "10:11:12.5", "10:11:12 ut"]))
    assert fields.parses.tolist() == [True] * 7 + [False, False]
    assert fields.ok.tolist() == [True] * 6 + [False] * 3
    assert fields.clock[:6].tolist() == [0, 120000, 133000, 130000, 101112, 101100]
