"""``crds-batch checksum``: add, verify or remove the checksums of mappings and FITS references.

Mappings: the ``sha1sum`` header is set by re-serializing the mapping as crds
does (:mod:`.mapping_text`); a mapping with duplicate entries is reported and
left alone; checksums cannot be removed from mappings. FITS references:
``CHECKSUM``/``DATASUM`` are written (or dropped) by astropy HDU by HDU, and
verified with astropy's checksum verification, its warnings shown as crds
shows them. Every rewrite is atomic (temp file, fsync, rename).
"""
from __future__ import annotations

import os
import tempfile

from ..errors import CrdsBatchError
from ..files.atomic import replace_atomically
from ..rules.parsing import check_checksum, parse_mapping
from .duplicates import duplicate_messages
from .kinds import file_format, shown_name
from .log import CertifyLog
from .mapping_text import with_checksum
from .warnings_capture import warnings_to_log

ADD, VERIFY, REMOVE = "add", "verify", "remove"
_VERBS = {ADD: "Adding", VERIFY: "Verifying", REMOVE: "Removing"}


class ChecksumFailure(CrdsBatchError):
    """One file's checksum operation failed (reported as crds's ``Checksum operation FAILED`` line)."""


def run_checksums(paths: list[str], action: str, log: CertifyLog) -> int:
    """Apply ``action`` to each path, logging as ``crds checksum``; return the number of errors."""
    for given in paths:
        path = name = shown_name(given)  # crds opens the name it shows
        log.info(f"{_VERBS[action]} checksum for {name!r}")
        try:
            _one(path, name, action, log)
        except (ChecksumFailure, OSError) as exc:
            log.error(f"Checksum operation FAILED : {_reason(exc)}", path)
    return log.errors


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"[Errno {exc.errno}] {exc.strerror}: {exc.filename!r}"
    return str(exc)


def _one(path: str, name: str, action: str, log: CertifyLog) -> None:
    kind = file_format(path)
    if kind == "unknown":
        raise ChecksumFailure(f"File {name!r} does not appear to be a CRDS reference or mapping file.")
    if kind == "mapping":
        if action == REMOVE:
            raise ChecksumFailure(f"Mapping checksums cannot be removed for: {name!r}")
        if action == VERIFY:
            verify_mapping_checksum(path)
        else:
            add_mapping_checksum(path, log)
        return
    if kind != "fits":
        raise ChecksumFailure(f"Checksums are supported for FITS references only, not {name!r}")
    with warnings_to_log(log, path):
        if action == VERIFY:
            verify_fits_checksum(path)
        else:
            rewrite_fits_checksum(path, add=action == ADD)


def _read_mapping(path: str, for_rewrite: bool = False):
    """Parse the mapping at ``path``; before a rewrite any failure reads ``Parsing error in ...`` as in crds."""
    from ..errors import MappingError

    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        return parse_mapping(text, os.path.basename(path))
    except (MappingError, OSError) as exc:
        if not for_rewrite and isinstance(exc, OSError):
            raise
        raise ChecksumFailure(f"Parsing error in {shown_name(path)!r} : {_reason(exc)}") from None


def verify_mapping_checksum(path: str) -> None:
    """Raise :class:`ChecksumFailure` with crds's text unless the mapping's sha1sum is right."""
    from ..errors import ChecksumError

    parsed = _read_mapping(path)
    try:
        check_checksum(parsed)
    except ChecksumError:
        state = "missing" if parsed.header.get("sha1sum") is None else "mismatch"
        raise ChecksumFailure(f"sha1sum {'is missing' if state == 'missing' else 'mismatch'} "
                              f"in {parsed.name!r}") from None


def add_mapping_checksum(path: str, log: CertifyLog) -> bool:
    """Rewrite ``path`` with a correct sha1sum unless it has duplicate entries (then log them); True if written."""
    parsed = _read_mapping(path, for_rewrite=True)
    duplicates = duplicate_messages(parsed)
    for message in duplicates:
        log.error(message, path)
    if duplicates:
        return False
    text = with_checksum(parsed)
    with replace_atomically(path) as handle:
        handle.write(text.encode("utf-8"))
    return True


def verify_fits_checksum(path: str) -> None:
    """Open with astropy's checksum verification and verify each HDU; problems arrive as warnings."""
    from astropy.io import fits

    with fits.open(path, do_not_scale_image_data=True, checksum=True) as hdus:
        for hdu in hdus:
            hdu.verify("warn")


def rewrite_fits_checksum(path: str, add: bool) -> None:
    """Rewrite ``path`` HDU by HDU with CHECKSUM/DATASUM added (``add``) or removed, atomically."""
    from astropy.io import fits

    directory = os.path.dirname(os.path.abspath(path))
    handle, scratch = tempfile.mkstemp(prefix=".crds-batch-checksum-", suffix=".fits", dir=directory)
    os.close(handle)
    os.unlink(scratch)  # fits.append creates the file afresh
    try:
        with fits.open(path, checksum=add, ignore_missing_end=False, do_not_scale_image_data=True) as hdus:
            for hdu in hdus:
                if not add:
                    hdu.header.pop("CHECKSUM", None)
                    hdu.header.pop("DATASUM", None)
                fits.append(scratch, hdu.data, hdu.header, checksum=add)
        with open(scratch, "rb") as source, replace_atomically(path) as target:
            while chunk := source.read(1 << 22):
                target.write(chunk)
    finally:
        if os.path.exists(scratch):
            os.unlink(scratch)
