"""The date table: the normalized UseAfter dates of a set of rows, shared by every type.

Each distinct date string is normalized once, with a numeric sort key that orders
the normalized dates as their texts (crds compares raw key strings).  Per rmap,
each row's date is reduced to how many of the rmap's distinct UseAfter keys are
``<=`` it (:meth:`DateTable.key_counts`: the keys searched among the sorted dates,
not the dates among the keys); :mod:`.resolve` turns those counts into choices.
A store's dates (Arrow strings) are read as numbers from their buffers
(:func:`canonical_date_keys`); only the rows in other forms go through the parser.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from ..rules.errors import InvalidDatetimeError
from ..rules.selectors.useafter import normalize_date
from .columns import Column, encode_series, group_ids
from .date_layouts import calendar_ok, clock_ok, code_matrix, date_fields, pair_numbers, time_fields


def _digit_matrix(texts: np.ndarray, width: int) -> np.ndarray:
    """The first ``width`` characters of each text as code points minus ``ord("0")`` (0-9 for digits)."""
    return code_matrix(texts, width) - ord("0")


def _fast_dates(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(True where a text is exactly a valid ``YYYY-MM-DD``, its number ``YYYYMMDD``). Numbers of valid dates
    order as their texts do."""
    ok = np.char.str_len(dates) == 10
    if not ok.any():
        return ok, np.zeros(len(dates), dtype=np.int64)
    valid, numbers = _date_numbers(code_matrix(dates, 10))
    return ok & valid, numbers


def _date_numbers(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(True where a row of ``m``, the characters of ``YYYY-MM-DD`` (code points, or UTF-8 bytes), is a valid
    date, its number ``YYYYMMDD`` as int64)."""
    ok, d = _digits(m, [0, 1, 2, 3, 5, 6, 8, 9])
    ok &= (m[:, 4] == ord("-")) & (m[:, 7] == ord("-"))
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month, day = d[:, 4] * 10 + d[:, 5], d[:, 6] * 10 + d[:, 7]
    return ok & calendar_ok(year, month, day), ((year * 100 + month) * 100 + day).astype(np.int64)


def _fast_times(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(True where a text is exactly a valid ``HH:MM:SS``, its number ``HHMMSS``). Numbers of valid times order
    as their texts do."""
    ok = np.char.str_len(times) == 8
    if not ok.any():
        return ok, np.zeros(len(times), dtype=np.int64)
    valid, numbers = _time_numbers(code_matrix(times, 8))
    return ok & valid, numbers


def _time_numbers(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(True where a row of ``m``, the characters of ``HH:MM:SS`` (code points, or UTF-8 bytes), is a valid time,
    its number ``HHMMSS`` as int64)."""
    ok, t = _digits(m, [0, 1, 3, 4, 6, 7])
    ok &= (m[:, 2] == ord(":")) & (m[:, 5] == ord(":"))
    hour, minute, second = t[:, 0] * 10 + t[:, 1], t[:, 2] * 10 + t[:, 3], t[:, 4] * 10 + t[:, 5]
    return ok & clock_ok(hour, minute, second), ((hour * 100 + minute) * 100 + second).astype(np.int64)


def _digits(m: np.ndarray, columns: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(True where the characters ``m[:, columns]`` are all ASCII digits, their values as int32 columns)."""
    values = m[:, columns] - ord("0")  # bytes (uint8) other than digits wrap around past 9
    return ((values >= 0) & (values <= 9)).all(axis=1), values.astype(np.int32)


def _arrow_byte_matrix(strings: pa.Array, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(True where a string of ``strings`` has exactly ``width`` bytes, those bytes as a uint8 matrix, a row
    per string (other rows: any bytes)), read from the Arrow buffers: no Python string per row."""
    n = len(strings)
    if not (pa.types.is_string(strings.type) or pa.types.is_large_string(strings.type)) or n == 0:
        return np.zeros(n, dtype=bool), np.zeros((n, width), dtype=np.uint8)
    offset_type = np.int64 if pa.types.is_large_string(strings.type) else np.int32
    _validity, offset_buffer, data_buffer = strings.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=offset_type, count=n + 1 + strings.offset)[strings.offset:]
    ok = np.diff(offsets) == width
    if strings.null_count:
        ok &= strings.is_valid().to_numpy(zero_copy_only=False)
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    if len(data) < width or not ok.any():
        return np.zeros(n, dtype=bool), np.zeros((n, width), dtype=np.uint8)
    windows = np.lib.stride_tricks.sliding_window_view(data, width)  # row i: the bytes from i on
    # Every row's window at once (rows of other lengths read some bytes; ``ok`` says which rows count).
    return ok, windows[np.minimum(offsets[:-1], len(data) - width)]


def canonical_date_keys(dates: pa.Array, times: pa.Array) -> np.ndarray:
    """Per row, ``YYYYMMDDHHMMSS`` where the row's date is a valid ``YYYY-MM-DD`` and its time a valid
    ``HH:MM:SS`` exactly as given (such texts condition and normalize to themselves), else -1.

    Read from the Arrow strings' buffers (one array each, chunks combined) as bytes: a store's dates need no
    Python string per row nor per distinct value, the few other rows go through :func:`_normalized_dates`.
    """
    date_ok, date_bytes = _arrow_byte_matrix(dates, 10)
    time_ok, time_bytes = _arrow_byte_matrix(times, 8)
    date_valid, date_numbers = _date_numbers(date_bytes)
    time_valid, time_numbers = _time_numbers(time_bytes)
    ok = date_ok & date_valid & time_ok & time_valid
    return np.where(ok, date_numbers * 1_000_000 + time_numbers, -1)


def stored_date_keys(dates: pa.Array, times: pa.Array, names: tuple[str, ...]) -> np.ndarray:
    """Per row, ``YYYYMMDDHHMMSS`` of the UseAfter text its date and time (columns ``names``) normalize to, where
    that text has no fraction of a second; -1 for the others (fractions, dates that do not normalize, nulls).

    What a store keeps per dataset (``date_key``): a :class:`DateTable` of rows whose keys are given
    (:meth:`DateTable.of_keys`) then parses only the rows at -1. Made by the table's own normalization
    (:func:`canonical_date_keys`, then :func:`_normalized_dates` over the other rows), so a stored key is
    the number of the very text evaluation would compute.
    """
    keys = canonical_date_keys(dates, times)
    odd = np.flatnonzero(keys < 0)
    if not len(odd):
        return keys
    indices = pa.array(odd)
    columns = [encode_series(pd.Series(strings.take(indices).to_pylist(), dtype=object)).with_default("UNDEFINED")
               for strings in (dates, times)]
    parts = _normalized_dates(columns, names, len(odd))
    numbers = parts.numbers.copy()
    parsed = np.flatnonzero(parts.valid & (numbers < 0))  # normalized by the scalar parser: read back its text
    if len(parsed):
        found = _canonical_numbers(np.array([parts.texts.text(d) for d in parsed.tolist()], dtype=str))
        if found is not None:
            numbers[parsed] = found
    keys[odd] = numbers[parts.did]
    return keys


#: The sort key of a normalized date ``YYYY-MM-DD HH:MM:SS[.ffffff]`` is ``YYYYMMDDHHMMSS * _FRACTIONS`` plus
#: 0 without a fraction, else 1 + the rank of its fraction among the table's fractions (at most
#: ``_FRACTIONS - 1`` of them; more, and the dates are sorted as texts).
_FRACTIONS = 10_000


def _normalized_dates(columns: list[Column], names: tuple[str, ...], n: int) -> _DateParts:
    """The :class:`_DateParts` of the rows' date columns.

    Dates in the layouts of :mod:`.date_layouts` are normalized with array operations on each column's
    distinct values; only the others (fractions, other layouts, impossible dates, UNDEFINED) go through the
    scalar parser.
    """
    did, first = group_ids(columns, n)
    count = len(first)
    numbers = np.full(count, -1, dtype=np.int64)
    if len(columns) == 2 and count:
        # Each column's distinct values are read once (few dates, fewer times than date-time pairs).
        date_values, time_values = (np.char.strip(np.array(column.values + [""], dtype=str)) for column in columns)
        date_codes, time_codes = columns[0].codes[first], columns[1].codes[first]  # -1 (absent) -> ""
        numbers = pair_numbers(date_fields(date_values), time_fields(time_values), date_codes, time_codes)
    valid = numbers >= 0
    slow: dict[int, str] = {}
    errors: dict[int, str] = {}
    failed_inputs: dict[int, str] = {}
    others = np.flatnonzero(~valid)
    # Each column's value codes of those dates as Python ints (no numpy scalar per date and column).
    code_lists = [column.codes[first[others]].tolist() for column in columns]
    value_lists = [column.values for column in columns]
    for j, i in enumerate(others.tolist()):
        raw = [values[codes[j]] for values, codes in zip(value_lists, code_lists)]
        parts = [part.strip() for part in raw]
        if "UNDEFINED" in parts:
            undefined = names[parts.index("UNDEFINED")]
            errors[i] = str(InvalidDatetimeError("UseAfter parameter", repr(undefined), "is UNDEFINED."))
            failed_inputs[i] = " ".join(raw)
            continue
        try:
            slow[i] = normalize_date(names, " ".join(parts))
        except Exception as exc:
            errors[i] = str(exc)
            failed_inputs[i] = " ".join(raw)
    sort_key: np.ndarray | None = np.where(valid, numbers * _FRACTIONS, -1)
    if slow:
        index = np.fromiter(slow, dtype=np.int64, count=len(slow))
        slow_texts = np.array(list(slow.values()), dtype=str)
        valid[index] = True
        sort_key = _slow_sort_keys(slow_texts, index, sort_key)
    return _DateParts(did, _DateTexts(count, valid, _NumberTexts(numbers), slow), valid, errors, sort_key,
                      failed_inputs, numbers)


class _DateParts(NamedTuple):
    """What a :class:`DateTable` is made of."""

    did: np.ndarray  #: distinct-date id per row
    texts: _DateTexts  #: their normalized texts
    valid: np.ndarray  #: per id, True where the date normalizes
    errors: dict[int, str]  #: per id that does not, the parser's failure text
    sort_key: np.ndarray | None  #: per id, a number ordering the normalized dates as texts (invalid: -1), or None
    failed_inputs: dict[int, str]  #: per id that does not normalize, its date and time joined by a blank
    numbers: np.ndarray  #: per id, ``YYYYMMDDHHMMSS`` of a date normalized by array operations, else -1


def _keyed_dates(keys: np.ndarray, odd_columns: list[Column], names: tuple[str, ...]) -> _DateParts:
    """:func:`_normalized_dates` of rows whose canonical dates are given as numbers, the same (ids included).

    ``keys``: per row ``YYYYMMDDHHMMSS`` (:func:`canonical_date_keys`), -1 for the rows whose date and time
    are given as ``odd_columns`` instead (minimized date and time columns over those rows alone). Distinct
    dates are numbered in the order of their first row, as :func:`group_ids` numbers the pairs of values.
    """
    keys = keys.copy()
    odd = np.flatnonzero(keys < 0)
    slow_parts = None
    if len(odd):
        date_column, time_column = odd_columns
        # Odd texts that condition to a canonical pair (blanks stripped) are that pair: they join its number.
        date_ok, date_numbers = _fast_dates(np.array(date_column.values + [""], dtype=str))
        time_ok, time_numbers = _fast_times(np.array(time_column.values + [""], dtype=str))
        ok = date_ok[date_column.codes] & time_ok[time_column.codes]
        keys[odd[ok]] = date_numbers[date_column.codes[ok]] * 1_000_000 + time_numbers[time_column.codes[ok]]
        other = np.flatnonzero(~ok)
        if len(other):
            slow_parts = _normalized_dates([column.take(other) for column in odd_columns], names, len(other))
            keys[odd[other]] = -2 - slow_parts.did  # other pairs as negative keys, apart from the canonical ones
    did, uniques = pd.factorize(keys)  # numbered in order of first row
    did = did.astype(np.int64, copy=False)
    count = len(uniques)
    canonical = uniques >= 0
    numbers = np.where(canonical, uniques, -1)
    valid = canonical.copy()
    errors: dict[int, str] = {}
    failed_inputs: dict[int, str] = {}
    slow_texts: dict[int, str] = {}
    sort_key: np.ndarray | None = np.where(canonical, uniques * _FRACTIONS, -1)
    if slow_parts is not None:
        ids = np.flatnonzero(~canonical)
        local = -2 - uniques[ids]
        valid[ids] = slow_parts.valid[local]
        numbers[ids] = slow_parts.numbers[local]
        parsed = numbers[ids] < 0  # failures and texts of the parser
        for i, d in zip(ids[parsed].tolist(), local[parsed].tolist()):  # ascending: errors in order of their dates
            if d in slow_parts.errors:
                errors[i], failed_inputs[i] = slow_parts.errors[d], slow_parts.failed_inputs[d]
            elif slow_parts.valid[d]:
                slow_texts[i] = slow_parts.texts.text(d)
        if slow_parts.sort_key is None:
            sort_key = None
        else:
            sort_key[ids] = slow_parts.sort_key[local]
    texts = _DateTexts(count, valid, _NumberTexts(numbers), slow_texts)
    return _DateParts(did, texts, valid, errors, sort_key, failed_inputs, numbers)


class _NumberTexts:
    """Dates normalized by array operations, as numbers ``YYYYMMDDHHMMSS`` (-1: not so normalized)."""

    def __init__(self, numbers: np.ndarray):
        self.numbers = numbers

    def text(self, d: int) -> str:
        digits = f"{int(self.numbers[d]):014d}"
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]} {digits[8:10]}:{digits[10:12]}:{digits[12:]}"

    def code_points(self, ids: np.ndarray) -> np.ndarray:
        digits = (self.numbers[ids][:, None] // _POWERS[-len(_DIGITS):]) % 10 + ord("0")
        points = np.empty((len(ids), 19), dtype=np.uint32)
        points[:, _DIGITS] = digits
        points[:, _SEPARATORS] = _SEPARATOR_CODES + ord("0")
        return points


class _DateTexts:
    """The normalized texts of the distinct dates: those normalized by array operations as their numbers
    (:class:`_NumberTexts`), the others as the parser gave them. The array of every text is made only when
    read (the searches use sort keys)."""

    def __init__(self, count: int, valid: np.ndarray, fast: _NumberTexts, slow: dict[int, str]):
        self.count, self._valid, self._fast, self._slow = count, valid, fast, slow
        self._array: np.ndarray | None = None

    def text(self, d: int) -> str:
        """Normalized text of valid distinct date ``d``."""
        found = self._slow.get(d)
        if found is None:
            found = self._fast.text(d)  # valid and not parsed: numbered
        return found

    def array(self) -> np.ndarray:
        """Every normalized text ("" where invalid); numpy compares them by code point, as Python does."""
        if self._array is None:
            fast_rows = np.flatnonzero(self._valid)
            if self._slow:
                fast_rows = fast_rows[~np.isin(fast_rows, np.fromiter(self._slow, dtype=np.int64))]
            width = max(19 if len(fast_rows) else 1, max(map(len, self._slow.values()), default=1))
            normalized = np.zeros(self.count, dtype=f"U{width}")
            if len(fast_rows):
                # Written as code points, without a string operation per date.
                characters = normalized.view(np.uint32).reshape(self.count, width)
                characters[fast_rows, :19] = self._fast.code_points(fast_rows)
            if self._slow:
                normalized[np.fromiter(self._slow, dtype=np.int64)] = list(self._slow.values())
            self._array = normalized
        return self._array


def _slow_sort_keys(slow_texts: np.ndarray, index: np.ndarray, sort_key: np.ndarray) -> np.ndarray | None:
    """``sort_key`` with the keys of the dates the scalar parser normalized, at ``index``, computed with array
    operations (None: not all in canonical form, or too many distinct fractions)."""
    lengths = np.char.str_len(slow_texts)
    with_fraction = lengths == 26
    if not ((lengths == 19) | with_fraction).all():
        return None
    m = _digit_matrix(slow_texts, 26)  # padded with blanks past the end
    digits = m[:, _DIGITS]
    ok = ((digits >= 0) & (digits <= 9)).all(axis=1)
    ok &= (m[:, _SEPARATORS] == _SEPARATOR_CODES).all(axis=1)
    fraction_digits = m[:, 20:26]
    ok &= ~with_fraction | ((m[:, 19] == ord(".") - ord("0"))
                            & ((fraction_digits >= 0) & (fraction_digits <= 9)).all(axis=1))
    if not ok.all():
        return None
    number = digits @ _POWERS[-len(_DIGITS):]  # YYYYMMDDHHMMSS
    fraction = fraction_digits @ _POWERS[-6:]  # 6 digits each: number order is text order
    fractions = np.unique(fraction[with_fraction])
    if len(fractions) >= _FRACTIONS:
        return None
    rank = np.where(with_fraction, np.searchsorted(fractions, fraction) + 1, 0)
    sort_key[index] = number * _FRACTIONS + rank
    return sort_key


def _canonical_numbers(keys: np.ndarray) -> np.ndarray | None:
    """Per key: ``YYYYMMDDHHMMSS`` of a key of the form ``YYYY-MM-DD HH:MM:SS`` (any digits), else -1; None
    when no key has that form."""
    if not len(keys):
        return None
    m = _digit_matrix(keys, 19)
    digits = m[:, _DIGITS]
    ok = (np.char.str_len(keys) == 19) & ((digits >= 0) & (digits <= 9)).all(axis=1)
    ok &= (m[:, _SEPARATORS] == _SEPARATOR_CODES).all(axis=1)
    if not ok.any():
        return None
    return np.where(ok, digits @ _POWERS[-len(_DIGITS):], -1)


_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]  # of "YYYY-MM-DD HH:MM:SS"
_SEPARATORS = [4, 7, 10, 13, 16]
_SEPARATOR_CODES = np.array([ord(c) - ord("0") for c in "-- ::"], dtype=np.int64)
_POWERS = 10 ** np.arange(13, -1, -1, dtype=np.int64)


class DateTable:
    """The normalized dates of a set of rows, computed once and shared by every type."""

    def __init__(self, columns: list[Column], names: tuple[str, ...], n: int):
        self._set(_normalized_dates(columns, names, n))

    @classmethod
    def of_keys(cls, keys: np.ndarray, odd_columns: list[Column], names: tuple[str, ...]) -> DateTable:
        """The table of rows whose canonical dates are known as numbers (:func:`canonical_date_keys`; -1: the
        row's date and time are in ``odd_columns``, over those rows alone): the table their columns give."""
        table = cls.__new__(cls)
        table._set(_keyed_dates(keys, odd_columns, names))
        return table

    def _set(self, parts: _DateParts) -> None:
        self.did, self._texts, self.valid, self.errors, self._sort_key = parts[:5]
        #: Per distinct date that does not normalize, its date and time as given, joined by a blank.
        self.failed_inputs = parts.failed_inputs
        self.count = self._texts.count  # distinct dates
        # The distinct failure texts, and which one each date that does not normalize has.
        texts: dict[str, int] = {}
        self._error_text_ids = np.full(self.count, -1, dtype=np.int64)
        for d, error in self.errors.items():
            self._error_text_ids[d] = texts.setdefault(error, len(texts))
        self._error_texts = list(texts)
        self._places: np.ndarray | None = None

    @property
    def as_array(self) -> np.ndarray:
        """Normalized date per distinct date ("" if invalid)."""
        return self._texts.array()

    def key_counts(self, keys: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Per row of ``rows`` (ascending row numbers, each once): how many of the sorted ``keys`` are ``<=`` its
        date (string order), -1 where the date does not normalize.

        ``numpy.searchsorted(keys, date, side="right")`` per row, from one sort of the distinct dates
        shared by every table searched (each type, each context): a date is ``>=`` key ``k`` when its
        place in the sorted dates is at least the number of dates ``< k``, so per table only the few
        keys are searched among the dates, and each row reads a running count of keys at its date's place.
        """
        places = self._row_places()
        dates_below_key = self._dates_below(keys)
        # Places [dates_below_key[i-1], dates_below_key[i]) have i keys <= their date; the last place (dates
        # that do not normalize) reads -1.
        runs = np.diff(dates_below_key, prepend=0, append=self.count)
        keys_le_place = np.append(np.repeat(np.arange(len(keys) + 1, dtype=np.int32), runs), np.int32(-1))
        # ``rows`` ascending (a subset of the table's rows): as many as the table has is every row, in order.
        return keys_le_place[places if len(rows) == len(places) else places[rows]]

    def before(self, text: str) -> np.ndarray:
        """Per distinct date: True where its normalized text is ``< text`` (invalid dates: "" < text)."""
        self._row_places()
        return self._place < self._dates_below(np.array([text], dtype=str))[0]

    def _dates_below(self, keys: np.ndarray) -> np.ndarray:
        """Per key, how many distinct dates (invalid ones as "") are ``<`` it as texts.

        Keys in canonical form ``YYYY-MM-DD HH:MM:SS`` are searched among the sort keys (a key
        sorts before a date of the same second with a fraction, as its prefix); others among the texts.
        """
        self._row_places()
        numbers = _canonical_numbers(keys) if self._sort_key is not None else None
        if numbers is None:
            # Equal dates may come in any order: a key <= one of them is <= all of them.
            return np.searchsorted(self.as_array, keys, side="left", sorter=self._order)
        below = np.searchsorted(self._sort_key, numbers * _FRACTIONS, side="left", sorter=self._order)
        odd = numbers < 0
        if odd.any():
            below[odd] = np.searchsorted(self.as_array, keys[odd], side="left", sorter=self._order)
        return below

    def _row_places(self) -> np.ndarray:
        """Per row, the place of its date among the distinct dates sorted as texts (their count if invalid)."""
        if self._places is None:
            count = self.count
            order = (np.argsort(self.as_array, kind="stable") if self._sort_key is None
                     else np.argsort(self._sort_key))
            place = np.empty(count, dtype=np.int32)
            place[order] = np.arange(count, dtype=np.int32)
            self._order, self._place = order, place.copy()
            place[~self.valid] = count
            # As intp: gathers indexed by it (every table's key counts) run ~3x faster than by int32.
            self._places = (place[self.did] if len(self.did) else np.zeros(0, dtype=np.int32)).astype(np.intp)
        return self._places

    def date(self, d: int) -> str | None:
        """Normalized date of distinct date ``d``, None if it does not normalize."""
        return self._texts.text(d) if self.valid[d] else None

    def error_codes(self, values: Any, d: np.ndarray) -> np.ndarray:
        """Result codes of the failure texts of the distinct dates ``d`` (dates that do not normalize).

        Only the texts rows meet are registered in ``values`` (in the order the texts first appear
        among the dates): a type's results list no failure of a date none of its rows reached
        (registering every date's failure made each type's results carry thousands of unused texts).
        """
        text_ids = self._error_text_ids[d]
        if not len(text_ids):
            return np.zeros(0, dtype=np.int64)
        # The distinct texts met, ascending (few thousand texts at most: counted, not sorted per row).
        distinct = np.flatnonzero(np.bincount(text_ids, minlength=len(self._error_texts)))
        codes = np.zeros(len(self._error_texts), dtype=np.int64)
        codes[distinct] = [values.code("NOT FOUND " + self._error_texts[t]) for t in distinct.tolist()]
        return codes[text_ids]
