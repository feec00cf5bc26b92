"""FITS ``CHECKSUM``/``DATASUM`` arithmetic (the FITS standard's Appendix J).

Only what a header-only update needs: the 32-bit ones' complement sum of a
byte string, ones' complement addition, and the 16-character ASCII encoding
of a CHECKSUM value.  Data never change in an update, so an HDU's DATASUM
stays true and only its CHECKSUM must be recomputed over the new header.
"""
from __future__ import annotations

import numpy as np

_MASK = 0xFFFFFFFF
#: ASCII punctuation the encoding steers clear of (between the digits and letters).
_EXCLUDED = frozenset(b":;<=>?@[\\]^_`")
#: Placeholder value a CHECKSUM card holds while the sum is computed.
ZERO_CHECKSUM = "0" * 16


def ones_add(a: int, b: int) -> int:
    """32-bit ones' complement addition (end-around carry)."""
    total = a + b
    while total >> 32:
        total = (total & _MASK) + (total >> 32)
    return total


def checksum32(data: bytes) -> int:
    """Ones' complement sum of ``data`` read as big-endian 32-bit words (zero padded)."""
    if len(data) % 4:
        data = data + b"\0" * (4 - len(data) % 4)
    words = np.frombuffer(data, dtype=">u4").astype(np.uint64)
    # Sum in 64 bits in chunks small enough never to overflow, then fold the carries.
    total = 0
    for start in range(0, len(words), 1 << 24):
        total = ones_add(total, int(words[start:start + (1 << 24)].sum()))
    return total


def encode(value: int) -> str:
    """The CHECKSUM card string for an HDU whose sum (with a zero CHECKSUM) is ``value``."""
    complement = ~value & _MASK
    chars = [0] * 16
    for i, byte in enumerate(complement.to_bytes(4, "big")):
        quotient, remainder = byte // 4 + 0x30, byte % 4
        group = [quotient + remainder, quotient, quotient, quotient]
        changed = True
        while changed:
            changed = False
            for j in (0, 2):
                if group[j] in _EXCLUDED or group[j + 1] in _EXCLUDED:
                    group[j] += 1
                    group[j + 1] -= 1
                    changed = True
        for j in range(4):
            chars[4 * j + i] = group[j]
    # The value starts at byte 11 of its card, 3 bytes into a 32-bit word: rotate to align.
    return bytes(chars[-1:] + chars[:-1]).decode("ascii")
