"""Set keywords in the primary header of a FITS file without touching anything else.

The new file is the new primary header followed by the original file's bytes
from the end of its primary header on, copied verbatim: data (and every
extension) stay byte-identical, whatever astropy would make of them.  The
header itself is edited with astropy's ``Header`` exactly as crds does
(``header[key] = value``: an existing card keeps its place and comment, a new
one goes after the last non-commentary card), so untouched cards keep their
images.  A CHECKSUM card in the primary header is recomputed so it stays true.
"""
from __future__ import annotations

import shutil
import warnings
from collections.abc import Sequence

from .atomic import overwrite_start, pause_hook, replace_atomically
from .fits_checksum import ZERO_CHECKSUM, checksum32, encode, ones_add
from .headers import HeaderError
from .write_plan import plan_write, refuse_growth

BLOCK = 2880
CARD = 80


def read_primary_header(handle) -> bytes:
    """Read the primary header's blocks (END card included) from an open binary file."""
    raw = bytearray()
    while True:
        block = handle.read(BLOCK)
        if len(block) < BLOCK:
            raise HeaderError(f"{handle.name}: truncated FITS header (no END card)")
        if not raw and not block.startswith(b"SIMPLE  ="):
            raise HeaderError(f"{handle.name}: not a FITS file (no SIMPLE card)")
        raw += block
        for offset in range(0, BLOCK, CARD):
            if block[offset:offset + CARD].rstrip(b" ") == b"END":
                return bytes(raw)


def update_fits_keywords(path: str, updates: Sequence[tuple[str, str]]) -> None:
    """Set ``(keyword, value)`` pairs, in order, in the primary header of the FITS file ``path``.

    The file is replaced atomically, or, when replacing would change it
    (hard links, owner), its header blocks are rewritten in place (see
    :mod:`.write_plan`); a symlink is written through to its target. Data
    bytes are unchanged and a primary CHECKSUM, if present, is recomputed
    (DATASUM stays valid as data do not change).

    Raises
    ------
    HeaderError
        The file is not FITS or its header is truncated (the file is left untouched).
    FileUpdateError
        The file may not be updated (permissions, or an in-place update would
        need a bigger header); the file is left untouched.
    """
    from astropy.io import fits

    plan = plan_write(path)
    with open(plan.path, "rb") as source:
        raw = read_primary_header(source)
        _check_ascii(path, raw)
        with warnings.catch_warnings():
            # Non-standard cards are fixed on output, as astropy's update mode (and so crds) does.
            warnings.simplefilter("ignore")
            header = fits.Header.fromstring(raw.decode("ascii", errors="replace"))
            for keyword, value in updates:
                header[keyword] = value
            new_raw = _with_checksum(header, source, len(raw))
        if plan.in_place:
            if len(new_raw) != len(raw):
                raise refuse_growth(path, plan, len(raw), len(new_raw))
            overwrite_start(plan.path, new_raw)
            return
        with replace_atomically(plan.path) as target:
            target.write(new_raw)
            pause_hook()
            source.seek(len(raw))
            shutil.copyfileobj(source, target, 1 << 20)


def _check_ascii(path: str, raw: bytes) -> None:
    """Refuse, naming the card, a header holding bytes FITS does not allow (astropy cannot write it back)."""
    for start in range(0, len(raw), 80):
        card = raw[start:start + 80]
        bad = next((byte for byte in card if byte < 32 or byte > 126), None)
        if bad is not None:
            keyword = card[:8].decode("ascii", errors="replace").strip() or "(blank)"
            raise HeaderError(f"{path}: not updated: header card {start // 80 + 1} ({keyword}) holds byte {bad:#04x}, "
                              "which is not printable ASCII as FITS requires; fix that card first")


def _serialize(header) -> bytes:
    return header.tostring(padding=True).encode("ascii")


def _with_checksum(header, source, data_offset: int) -> bytes:
    if "CHECKSUM" not in header:
        return _serialize(header)
    datasum = _datasum(header, source, data_offset)
    header["CHECKSUM"] = ZERO_CHECKSUM
    total = ones_add(checksum32(_serialize(header)), datasum)
    header["CHECKSUM"] = encode(total)
    return _serialize(header)


def _datasum(header, source, data_offset: int) -> int:
    recorded = header.get("DATASUM")
    if recorded is not None:
        try:
            return int(str(recorded).strip())
        except ValueError:
            pass  # an unreadable DATASUM: compute it from the data themselves
    naxis = int(header.get("NAXIS", 0))
    size = 0
    if naxis:
        size = abs(int(header.get("BITPIX", 8))) // 8
        for axis in range(1, naxis + 1):
            size *= int(header.get(f"NAXIS{axis}", 0))
        size = int(header.get("GCOUNT", 1)) * (int(header.get("PCOUNT", 0)) + size)
    source.seek(data_offset)
    return checksum32(source.read(size)) if size else 0
