"""A vectorized reader for ``.json`` save lines as crds writes them, straight to Arrow.

crds writes one ``json.dumps({dataset_id: {PARAM: "value", ...}})`` per line.
Parsing that with a general JSON parser builds one Python object per key and
value, which is where ingest time went. Here a batch of lines is read as
bytes and cut with numpy: every ``"`` opens or closes a string (the batch is
checked to hold no backslash, so no quote is escaped), and every byte between
two strings must be one of the separators of that one shape. The strings are
then Arrow views of the batch's bytes, and each parameter column is one
``take`` of them.

Anything else (escapes, non-string values, blank lines, other spacing,
duplicate keys, invalid UTF-8...) makes :func:`parse_block` return None: the
caller then parses that batch the careful way, which also finds bad lines
with their numbers. The fast path accepts only lines that are valid JSON and
gives exactly what the careful path gives for them.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import schema as S

_QUOTE, _NEWLINE = ord('"'), ord("\n")
_COLON, _COMMA, _SPACE, _OPEN, _CLOSE = ord(":"), ord(","), ord(" "), ord("{"), ord("}")


def parse_block(data: bytes) -> pa.Table | None:
    """Parse whole lines ``data`` (each ending in ``\\n``) into ``dataset_id`` + parameter columns.

    Parameters
    ----------
    data : bytes
        Complete lines of a ``.json`` save.

    Returns
    -------
    pyarrow.Table or None
        Rows in line order, parameter columns named upper case in first-seen
        order; None when the block is not entirely of the simple shape.
    """
    if not data or data[-1] != _NEWLINE or b"\\" in data:
        return None
    a = np.frombuffer(data, np.uint8)
    # Quotes and newlines in one pass; a quote's line is the count of newlines before it.
    marks = np.flatnonzero((a == _QUOTE) | (a == _NEWLINE))
    is_newline = a[marks] == _NEWLINE
    newlines = marks[is_newline]
    nlines = len(newlines)
    # Control characters are invalid inside JSON strings: only the newlines may be below 0x20.
    if np.count_nonzero(a < 0x20) != nlines:
        return None
    line_at = np.cumsum(is_newline, dtype=np.int64)[~is_newline]
    quotes = marks[~is_newline]
    if len(quotes) == 0 or len(quotes) % 2:
        return None
    opens, closes = quotes[0::2], quotes[1::2]
    line_of = line_at[0::2]
    nstrings = len(opens)
    if np.any(line_at[1::2] != line_of):
        return None  # a string across a newline
    per_line = np.bincount(line_of, minlength=nlines)
    # Each line: id, then key/value pairs (at least one).
    if np.any(per_line < 3) or np.any(per_line % 2 == 0):
        return None
    first = np.zeros(nlines, np.int64)
    np.cumsum(per_line[:-1], out=first[1:])
    last = first + per_line - 1
    starts = np.zeros(nlines, np.int64)
    starts[1:] = newlines[:-1] + 1
    # `{"id` at the start of each line, `"}}\n` at its end, `{"` opening the parameters.
    end = closes[last]
    if (np.any(opens[first] != starts + 1) or np.any(a[starts] != _OPEN) or np.any(end + 3 != newlines)
            or np.any(a[end + 1] != _CLOSE) or np.any(a[end + 2] != _CLOSE) or np.any(a[opens[first + 1] - 1] != _OPEN)):
        return None
    position = np.arange(nstrings) - first[line_of]  # 0 id, odd keys, even values
    if not _separators_ok(a, opens, closes, position, last):
        return None
    return _table(data, a, opens, closes, first, position, line_of, nlines)


def _separators_ok(a: np.ndarray, opens, closes, position, last) -> bool:
    """True if the bytes between consecutive strings of a line are ``: {``, ``: `` or ``, `` (or without the space)."""
    inner = np.ones(len(opens), bool)
    inner[last] = False
    after = closes[inner]  # closing quotes followed by another string of the same line
    where = position[inner]
    is_value = (where > 0) & (where % 2 == 0)
    # The id's separator has one more byte (`{`, checked by the caller).
    gap = opens[1:][inner[:-1]] - after - 1 - (where == 0)
    if not np.all((gap == 1) | (gap == 2)):
        return False
    if not np.array_equal(a[after + 1], np.where(is_value, _COMMA, _COLON).astype(np.uint8)):
        return False
    return bool(np.all(a[after[gap == 2] + 2] == _SPACE))


def _table(data: bytes, a: np.ndarray, opens, closes, first, position, line_of, nlines) -> pa.Table | None:
    if len(data) >= 1 << 31:
        return None  # 32-bit string offsets
    # One string array over the whole block: element 2j is string j's content,
    # element 2j+1 the separator after it (never used). No bytes are copied.
    offsets = np.empty(2 * len(opens), np.int32)
    offsets[0::2] = opens + 1
    offsets[1::2] = closes
    strings = pa.StringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data))
    if np.any(a >= 0x80):
        try:
            strings.validate(full=True)  # UTF-8, as a JSON parser would insist
        except pa.ArrowInvalid:
            return None
    ids = strings.take(pa.array(2 * first))
    keys_at = np.flatnonzero(position % 2 == 1)
    # dictionary_encode numbers keys in order of first appearance: the column order.
    encoded = strings.take(pa.array(2 * keys_at)).dictionary_encode()
    # Parameter names are upper case: keys differing only by case share a column
    # (within one object that is a repeated key, declined below).
    upper = [name.upper() for name in encoded.dictionary.to_pylist()]
    names = list(dict.fromkeys(upper))
    codes = encoded.indices.to_numpy()
    if len(names) < len(upper):
        codes = np.array([names.index(name) for name in upper], np.int32)[codes]
    # Group values by column; a stable sort keeps line order within a column (radix on 16 bits).
    order = np.argsort(codes.astype(np.int16) if len(names) < 1 << 15 else codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
    value_at = keys_at[order] + 1  # the value follows its key
    rows = line_of[value_at]
    steps = np.diff(rows)
    steps[bounds[1:-1] - 1] = 1  # a new column may start at any row
    if np.any(steps <= 0):
        return None  # a key twice in one object: the careful path keeps the last
    values = strings.take(pa.array(2 * value_at))
    value_offsets = np.frombuffer(values.buffers()[1], np.int32, len(values) + 1)
    columns = {S.DATASET_ID: ids}
    for j, name in enumerate(names):
        lo, hi = bounds[j], bounds[j + 1]
        columns[name] = _column(values, value_offsets, lo, hi, rows[lo:hi], nlines)
    return pa.table(columns)


def _column(values: pa.Array, value_offsets: np.ndarray, lo: int, hi: int, rows: np.ndarray, nlines: int) -> pa.Array:
    """Values ``lo:hi`` (of rows ``rows``) spread over ``nlines`` rows, null elsewhere, sharing the data buffer."""
    if hi - lo == nlines:
        return values.slice(lo, nlines)
    lengths = np.zeros(nlines, np.int32)
    lengths[rows] = np.diff(value_offsets[lo:hi + 1])
    offsets = np.empty(nlines + 1, np.int32)
    offsets[0] = value_offsets[lo]
    np.cumsum(lengths, out=offsets[1:])
    offsets[1:] += value_offsets[lo]
    present = np.zeros(nlines, bool)
    present[rows] = True
    validity = np.packbits(present, bitorder="little")
    return pa.StringArray.from_buffers(nlines, pa.py_buffer(offsets), values.buffers()[2],
                                       pa.py_buffer(validity), nlines - (hi - lo))
