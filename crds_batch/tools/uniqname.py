"""``crds-batch uniqname``: HST CDBS-style unique, time-based reference names, as crds 13.2.7 makes them.

A name is ``<timestamp 8><instrument char>_<suffix><ext>`` (crds's
hst/locate.py ``generate_unique_name_core``):

- timestamp: year ``abcd..z0..9`` from 1990 (``z`` = 2015, ``0`` = 2016; it wraps
  after 2025), month and day in base 36 (``1``-``c``, ``1``-``v``), UT hour and
  minute as two digits each, the second halved in one base-36 digit (``0``-``t``);
- instrument char: ``j`` ACS, ``i`` WFC3, ``o`` STIS, ``l`` COS, ``u`` WFPC2,
  ``n`` NICMOS, ``m`` SYNPHOT (crds's hst/siname.py);
- suffix: the type's CDBS suffix (crds/hst/specs, in
  ``observatories/hst_reference_types.json``).

The instrument and type come from the file's name when it is a CRDS name
(``hst_acs_darkfile_0001.fits``) or a CDBS name (``s7g1700gl_dead.fits``: the
instrument from the last character of the root, the suffix as written; synphot
``_syn``/``_th``/``_tmt``/``_tmg``/``_tmc`` names; GEIS ``e1b09593u.r1h``: the
suffix from the extension), else from its header (``INSTRUME``, or ``DBTABLE``
for synphot, and ``FILETYPE``/``DBTABLE``/``CDBSFILE``): :mod:`.file_properties`.
crds sleeps two seconds before each name so that names differ; we wait only when a
name of this run would repeat.

The rewrite (crds ``UniqnameScript.rewrite``): FITS opened without scaling,
``--verify-file`` verifies checksums and the format (``fix+warn``), ``--add-keywords``
sets FILENAME, ROOTNAME and a HISTORY line ``<old> renamed to <new> on Mon D YYYY``,
the file is written with checksums only with ``--add-checksum`` (without it any are
removed), temp + fsync + rename, never over an existing file. A GEIS pair (``x.r1h``
header, ``x.r1d`` data; either may be named) is renamed together (:func:`rewrite_geis`).
"""
from __future__ import annotations

import datetime
import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import CrdsBatchError
from ..files.atomic import write_atomically

ID_CHARS = {"acs": "j", "stis": "o", "nicmos": "n", "wfpc2": "u", "wfc3": "i", "cos": "l", "synphot": "m"}
_YEARS = "abcdefghijklmnopqrstuvwxyz0123456789"
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class UniqnameError(CrdsBatchError):
    """A file cannot be given a unique name."""


@dataclass(frozen=True)
class Renaming:
    old: str
    new: str


@dataclass(frozen=True)
class UniqnameOptions:
    dry_run: bool = False
    add_checksum: bool = False
    add_keywords: bool = False
    verify_file: bool = False
    remove_original: bool = False
    output_dir: str | None = None
    fits_errors: bool = False


def timestamp(now: datetime.datetime) -> str:
    """The eight timestamp characters of a name made at ``now`` (UT)."""
    seconds = now.second // 2
    second = chr(seconds + ord("0")) if seconds <= 9 else chr(seconds - 10 + ord("a"))
    return (_YEARS[(now.year - 1990) % 36] + _BASE36[now.month] + _BASE36[now.day]
            + f"{now.hour:02d}{now.minute:02d}" + second)


def _types() -> dict:
    from .file_properties import hst_types

    return hst_types()


def _suffix(instrument: str, filekind: str) -> str:
    suffix = _types().get(instrument, {}).get(filekind, {}).get("suffix")
    if not suffix:
        raise UniqnameError(f"no CDBS suffix known for {instrument} {filekind}")
    return suffix


def name_properties(path: str) -> tuple[str, str, str]:
    """(instrument, suffix, extension) of the reference at ``path`` (its type as crds finds it: the name,
    else the header; :func:`~.file_properties.file_properties`)."""
    from .file_properties import FilePropertiesError, file_properties

    try:
        instrument, filekind = file_properties(path, "hst")
    except FilePropertiesError as exc:
        raise UniqnameError(str(exc)) from None
    if instrument not in ID_CHARS:
        raise UniqnameError(f"{os.path.basename(path)}: {instrument!r} is not an HST instrument uniqname names")
    return instrument, _suffix(instrument, filekind), os.path.splitext(path)[1]


class NameClock:
    """Times for names: now (UT), moved on to the next two-second slot when a name would repeat."""

    def __init__(self, now: Callable[[], datetime.datetime] | None = None, sleep: Callable[[float], None] = time.sleep):
        self._now = now or (lambda: datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None))
        self._sleep = sleep
        self._used: set[str] = set()

    def stamp(self) -> str:
        while True:
            stamp = timestamp(self._now())
            if stamp not in self._used:
                self._used.add(stamp)
                return stamp
            self._sleep(0.5)


def unique_name(path: str, clock: NameClock) -> str:
    """The new name (a base name) for the reference at ``path``."""
    instrument, suffix, ext = name_properties(path)
    return clock.stamp() + ID_CHARS[instrument] + "_" + suffix + ext


def uniqname(paths: Sequence[str], options: UniqnameOptions, clock: NameClock | None = None,
             log: Callable[[str], None] = lambda line: None) -> list[Renaming]:
    """Rename (rewrite) each reference; returns what was (or, with dry_run, would be) renamed."""
    from .file_properties import is_geis_data

    clock = clock or NameClock()
    done = []
    seen: set[str] = set()
    for path in paths:
        if is_geis_data(path):  # a GEIS pair is named (and renamed) by its header file
            path = path[:-1] + "h"
        if os.path.abspath(path) in seen:
            continue
        seen.add(os.path.abspath(path))
        if not os.path.isfile(path):
            raise UniqnameError(f"{path}: no such file")
        new_base = unique_name(path, clock)
        target = os.path.join(options.output_dir if options.output_dir else os.path.dirname(path), new_base)
        if options.dry_run:
            log(f"Would rename {path!r} --> {target!r}")
        else:
            log(f"Rewriting {path!r} --> {target!r}")
            written_from = rewrite(path, target, options)
            for old_path in written_from if options.remove_original else ():
                os.remove(old_path)
        done.append(Renaming(path, target))
    return done


def rewrite(path: str, target: str, options: UniqnameOptions) -> list[str]:
    """Write ``path`` renamed as ``target`` (keywords and checksums per ``options``); returns the files written
    from (a GEIS pair: both)."""
    from astropy.io import fits

    from .file_properties import is_geis_header

    if os.path.exists(target):
        raise UniqnameError(f"{target} already exists")
    if is_geis_header(path):
        return rewrite_geis(path, target, options)
    base, new_base = os.path.basename(path), os.path.basename(target)
    verify = "fix+exception" if options.fits_errors else "fix+warn"
    try:
        with warnings.catch_warnings():
            if not options.fits_errors:
                warnings.simplefilter("ignore")
            with fits.open(path, mode="readonly", checksum=options.verify_file, do_not_scale_image_data=True) as hdus:
                if options.verify_file:
                    hdus.verify(verify)
                if options.add_keywords:
                    hdus[0].header["FILENAME"] = new_base
                    hdus[0].header["ROOTNAME"] = os.path.splitext(new_base)[0].upper()
                    hdus[0].header["HISTORY"] = _history_line(base, new_base)
                with write_atomically(target) as handle:
                    hdus.writeto(handle, output_verify=verify, checksum=options.add_checksum)
    except UniqnameError:
        raise
    except Exception as exc:
        raise UniqnameError(f"Failed to rename/rewrite {base!r} as {new_base!r}: {exc}") from None
    return [path]


def _history_line(base: str, new_base: str) -> str:
    now = datetime.datetime.now(datetime.timezone.utc)
    return f"{base} renamed to {new_base} on {MONTHS[now.month - 1]} {now.day} {now.year}"


def rewrite_geis(header_path: str, target: str, options: UniqnameOptions) -> list[str]:
    """An HST GEIS pair renamed together: the header ``x.r1h`` as ``target``, its data ``x.r1d`` beside it
    with the same new root, each written temp + fsync + rename, neither over an existing file.

    ``--add-keywords`` sets the header's FILENAME and ROOTNAME cards and adds the HISTORY card before END,
    as for FITS; GEIS files carry no FITS checksums, so ``--add-checksum`` and ``--verify-file`` do not
    apply to them (crds 13.2.7 names GEIS files but fails to rewrite them: it opens them as FITS).
    """
    data_path, data_target = header_path[:-1] + "d", target[:-1] + "d"
    base, new_base = os.path.basename(header_path), os.path.basename(target)
    if not os.path.isfile(data_path):
        raise UniqnameError(f"{base}: its GEIS data file {os.path.basename(data_path)} is missing")
    if os.path.exists(data_target):
        raise UniqnameError(f"{data_target} already exists")
    with open(header_path, "rb") as handle:
        header = handle.read()
    if options.add_keywords:
        header = _geis_header_with(header, {"FILENAME": new_base,
                                            "ROOTNAME": os.path.splitext(new_base)[0].upper()},
                                   _history_line(base, new_base))
    with write_atomically(target) as handle:
        handle.write(header)
    try:
        with open(data_path, "rb") as source, write_atomically(data_target) as handle:
            while chunk := source.read(1 << 20):
                handle.write(chunk)
    except BaseException:
        os.remove(target)
        raise
    return [header_path, data_path]


def _geis_header_with(header: bytes, values: dict[str, str], history: str) -> bytes:
    """GEIS header text (80-character cards, one a line) with ``values`` set (the card replaced where it is,
    else added before END) and a HISTORY card added before END."""
    from astropy.io import fits

    lines = header.decode("ascii").split("\n")
    trailing = lines[-1] == ""
    if trailing:
        lines.pop()
    try:
        end = next(index for index, line in enumerate(lines) if line[:8].rstrip() == "END")
    except StopIteration:
        raise UniqnameError("GEIS header has no END card") from None
    added = []
    for key, value in values.items():
        card = fits.Card(key, value).image
        at = next((index for index, line in enumerate(lines[:end]) if line[:8].rstrip() == key), None)
        if at is None:
            added.append(card)
        else:
            lines[at] = card
    added.append(fits.Card("HISTORY", history).image)
    lines[end:end] = added
    return ("\n".join(lines) + ("\n" if trailing else "")).encode("ascii")
