"""A vectorized reader for ``.json`` save lines as crds writes them, straight to Arrow.

crds writes one ``json.dumps({dataset_id: {PARAM: "value", ...}})`` per line.
Parsing that with a general JSON parser builds one Python object per key and
value, which is where ingest time went. Here a batch of lines is read as
bytes and cut with numpy: every ``"`` opens or closes a string (the batch is
checked to hold no backslash, so no quote is escaped), and every byte between
two strings must be one of the separators of that one shape. The strings are
then Arrow views of the batch's bytes; the values, grouped by column (and by
partition when asked), are copied once with one ``take``, and each column is
a zero-copy piece of that copy.

Anything else (escapes, non-string values, blank lines, other spacing,
duplicate keys, invalid UTF-8...) makes :func:`parse_block` return None: the
caller then parses that batch the careful way, which also finds bad lines
with their numbers. The fast path accepts only lines that are valid JSON and
gives exactly what the careful path gives for them.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from . import schema as S
from .rows import DERIVED_FROM

#: ``(observatory, instrument, table)``
Part = tuple[str, str, pa.Table]
#: ``table -> (fixed columns, [(observatory, instrument)...], partition number per row)``
Splitter = Callable[[pa.Table], tuple[pa.Table, list[tuple[str, str]], np.ndarray]]

_QUOTE, _NEWLINE = ord('"'), ord("\n")
_COLON, _COMMA, _SPACE, _OPEN, _CLOSE = ord(":"), ord(","), ord(" "), ord("{"), ord("}")


def parse_block(data: bytes, split: Splitter | None = None) -> pa.Table | list[Part] | None:
    """Parse whole lines ``data`` (each ending in ``\\n``) into ``dataset_id`` + parameter columns.

    Parameters
    ----------
    data : bytes
        Complete lines of a ``.json`` save.
    split : callable, optional
        Given a table of ``dataset_id`` and the parameters in ``needed``,
        returns ``(fixed columns, partition keys, partition number per row)``
        (see :func:`.blocks.partition_keys`). The rows are then returned split
        into ``(observatory, instrument, table)`` parts, each holding the
        fixed columns and only the parameters some of its rows have: values
        are copied once, straight into their part.

    Returns
    -------
    pyarrow.Table, list or None
        Rows in line order, parameter columns named upper case in first-seen
        order (or parts of them); None when the block is not entirely of the simple shape.
    """
    if not data or data[-1] != _NEWLINE or b"\\" in data or len(data) >= 1 << 31:
        return None  # an escape, or too big for 32-bit positions and string offsets
    a = np.frombuffer(data, np.uint8)
    newlines = np.flatnonzero(a == _NEWLINE).astype(np.int32)
    nlines = len(newlines)
    # Control characters are invalid inside JSON strings: only the newlines may be below 0x20.
    # As signed bytes, non-ASCII bytes are negative too: one pass finds both (rare) cases.
    odd = np.count_nonzero(a.view(np.int8) < 0x20) - nlines
    ascii_only = odd == 0
    if not ascii_only and np.count_nonzero(a < 0x20) != nlines:
        return None
    quotes = np.flatnonzero(a == _QUOTE).astype(np.int32)
    if len(quotes) == 0 or len(quotes) % 2:
        return None
    opens, closes = quotes[0::2], quotes[1::2]
    # Quotes before each newline: odd means a string across a newline.
    before = np.searchsorted(quotes, newlines).astype(np.int32)
    if np.any(before & 1):
        return None
    per_line = np.diff(before, prepend=np.int32(0)) >> 1  # strings per line
    # Each line: id, then key/value pairs (at least one).
    if np.any(per_line < 3) or np.any((per_line & 1) == 0):
        return None
    last = (before >> 1) - 1
    first = last - per_line + 1
    starts = np.empty(nlines, np.int32)
    starts[0] = 0
    starts[1:] = newlines[:-1] + 1
    # `{"id` at the start of each line, `"}}\n` at its end, `{"` opening the parameters.
    end = closes[last]
    if (np.any(opens[first] != starts + 1) or np.any(a[starts] != _OPEN) or np.any(end + 3 != newlines)
            or np.any(a[end + 1] != _CLOSE) or np.any(a[end + 2] != _CLOSE) or np.any(a[opens[first + 1] - 1] != _OPEN)):
        return None
    if np.any(closes[first] - opens[first] > S.MAX_ID_CHARS):  # bytes >= characters: the careful path decides
        return None
    line_of = np.repeat(np.arange(nlines, dtype=np.int32), per_line)
    if not _separators_ok(a, opens, closes, first, last, line_of):
        return None
    return _table(data, a, opens, closes, first, line_of, nlines, ascii_only, split)


def _separators_ok(a: np.ndarray, opens, closes, first, last, line_of) -> bool:
    """True if the bytes after each string are ``: {``, ``: `` or ``, `` (or without the space), ``}}`` last.

    The ends of lines are checked by the caller (so the gap from a line's
    last string to the next line's first is 5).
    """
    n = len(opens)
    # A line has an odd number of strings, so its first string's index has the
    # line's parity: odd (i - line) marks a key.
    is_key = ((np.arange(n, dtype=np.int32) - line_of) & 1).astype(bool)
    expected = np.where(is_key, np.uint8(_COLON), np.uint8(_COMMA))
    expected[first] = _COLON
    expected[last] = _CLOSE
    if not np.array_equal(a[closes + 1], expected):
        return False
    gap = np.empty(n, np.int32)  # bytes from a closing quote to the next opening one, less the id's `{`
    np.subtract(opens[1:], closes[:-1], out=gap[:-1])
    gap[first] -= 1
    gap[last] = 2
    if np.any((gap - 2).view(np.uint32) > 1):  # 2 or 3: the separator, perhaps a space
        return False
    spaced = gap == 3
    return bool(np.all(a[closes[spaced] + 2] == _SPACE))


def _table(data: bytes, a: np.ndarray, opens, closes, first, line_of, nlines, ascii_only,
           split: Splitter | None) -> pa.Table | list[Part] | None:
    # One string array over the whole block: element 2j is string j's content,
    # element 2j+1 the separator after it (never used). No bytes are copied.
    offsets = np.empty(2 * len(opens), np.int32)
    offsets[0::2] = opens + 1
    offsets[1::2] = closes
    strings = pa.StringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data))
    if not ascii_only:
        try:
            strings.validate(full=True)  # UTF-8, as a JSON parser would insist
        except pa.ArrowInvalid:
            return None
    ids = strings.take(pa.array(2 * first))
    keys_at = _keys_at(first, line_of)
    keys, codes = _encode_keys(data, strings, opens, closes, keys_at)
    # Parameter names are upper case: keys differing only by case share a column
    # (within one object that is a repeated key, declined below).
    upper = [name.upper() for name in keys]
    names = list(dict.fromkeys(upper))
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
    if split is None:
        values = strings.take(pa.array(2 * value_at))
        value_offsets = np.frombuffer(values.buffers()[1], np.int32, len(values) + 1)
        columns = {S.DATASET_ID: ids}
        for j, name in enumerate(names):
            lo, hi = bounds[j], bounds[j + 1]
            columns[name] = _column(values, value_offsets, lo, hi, rows[lo:hi], nlines)
        return pa.table(columns)
    return _parts(strings, ids, names, bounds, value_at, rows, nlines, split)


def _parts(strings: pa.Array, ids: pa.Array, names: list[str], bounds: np.ndarray, value_at: np.ndarray,
           rows: np.ndarray, nlines: int, split: Splitter) -> list[Part]:
    """The rows split by ``split`` into parts; values (grouped by column, ``bounds``) copied once, by part."""
    head = {S.DATASET_ID: ids}
    for j, name in enumerate(names):
        if name in DERIVED_FROM:  # the few columns partitioning needs
            lo, hi = bounds[j], bounds[j + 1]
            some = strings.take(pa.array(2 * value_at[lo:hi]))
            head[name] = _column(some, np.frombuffer(some.buffers()[1], np.int32, hi - lo + 1), 0, hi - lo,
                                 rows[lo:hi], nlines)
    fixed, keys, part = split(pa.table(head))
    ncols = len(names)
    column = np.repeat(np.arange(ncols, dtype=np.int32), np.diff(bounds))
    if len(keys) > 1:
        # Regroup by part, keeping the column then row order within it (stable).
        part_of = part[rows]
        order = np.argsort(part_of.astype(np.int16) if len(keys) < 1 << 15 else part_of, kind="stable")
        value_at, rows = value_at[order], rows[order]
        bounds = np.searchsorted(part_of[order] * ncols + column[order], np.arange(len(keys) * ncols + 1))
    values = strings.take(pa.array(2 * value_at))
    value_offsets = np.frombuffer(values.buffers()[1], np.int32, len(values) + 1)
    local = np.arange(nlines, dtype=np.int32)  # row number within its part
    parts = []
    for p, (observatory, instrument) in enumerate(keys):
        if len(keys) > 1:
            in_part = np.flatnonzero(part == p)
            local[in_part] = np.arange(len(in_part), dtype=np.int32)
            columns = dict(zip(fixed.column_names, fixed.take(pa.array(in_part)).columns))
        else:
            in_part = local
            columns = dict(zip(fixed.column_names, fixed.columns))
        for j, name in enumerate(names):
            lo, hi = bounds[p * ncols + j], bounds[p * ncols + j + 1]
            if hi > lo:
                columns[name] = _column(values, value_offsets, lo, hi, local[rows[lo:hi]], len(in_part))
        parts.append((observatory, instrument, pa.table(columns)))
    return parts


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


#: Masks keeping the first n bytes of a little-endian word, n = 0..8.
_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(9)], np.uint64)


def _encode_keys(data: bytes, strings: pa.Array, opens, closes, keys_at) -> tuple[list[str], np.ndarray]:
    """The distinct keys in order of first appearance (the column order), and each key's number."""
    starts = opens[keys_at] + 1
    lengths = closes[keys_at] - starts
    if lengths.max(initial=0) > 8:
        encoded = strings.take(pa.array(2 * keys_at)).dictionary_encode()
        return encoded.dictionary.to_pylist(), encoded.indices.to_numpy()
    # FITS keywords have at most 8 bytes: a key is then the word of its bytes,
    # zero-padded (exact: strings hold no NUL), which hashes faster than strings.
    # Reading 8 bytes at a key never passes the end: at least `": ""}}\n` follows it.
    words = np.ndarray((len(data) - 7,), np.dtype("<u8"), data, 0, (1,))
    keys = words[np.minimum(starts, len(words) - 1)] & _MASKS[lengths]
    encoded = pa.array(keys).dictionary_encode()
    names = [word.rstrip(b"\0").decode() for word in encoded.dictionary.to_numpy().astype("<u8").view("S8")]
    return names, encoded.indices.to_numpy()


def _keys_at(first: np.ndarray, line_of: np.ndarray) -> np.ndarray:
    """Indices of the keys: strings 1, 3, 5... of each line (0 is the id)."""
    is_key = ((np.arange(len(line_of), dtype=np.int32) - line_of) & 1).astype(bool)
    return np.flatnonzero(is_key).astype(np.int32)
