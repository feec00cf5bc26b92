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
``_syn``/``_th``/``_tmt``/``_tmg``/``_tmc`` names), else from its header
(``INSTRUME``, or ``DBTABLE`` for synphot, and ``FILETYPE``/``DBTABLE``/``CDBSFILE``).
crds sleeps two seconds before each name so that names differ; we wait only when a
name of this run would repeat.

The rewrite (crds ``UniqnameScript.rewrite``): FITS opened without scaling,
``--verify-file`` verifies checksums and the format (``fix+warn``), ``--add-keywords``
sets FILENAME, ROOTNAME and a HISTORY line ``<old> renamed to <new> on Mon D YYYY``,
the file is written with checksums only with ``--add-checksum`` (without it any are
removed), temp + fsync + rename, never over an existing file.
"""
from __future__ import annotations

import datetime
import json
import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..errors import CrdsBatchError
from ..files.atomic import write_atomically

ID_CHARS = {"acs": "j", "stis": "o", "nicmos": "n", "wfpc2": "u", "wfc3": "i", "cos": "l", "synphot": "m"}
INSTRUMENT_OF_CHAR = {char: name for name, char in ID_CHARS.items()}
SYNPHOT_SUFFIXES = ("syn", "th", "tmt", "tmg", "tmc")
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


@lru_cache(maxsize=1)
def _types() -> dict:
    text = resources.files("crds_batch.observatories").joinpath("hst_reference_types.json").read_text()
    return json.loads(text)["types"]


def _suffix(instrument: str, filekind: str) -> str:
    try:
        return _types()[instrument][filekind]["suffix"]
    except KeyError:
        raise UniqnameError(f"no CDBS suffix known for {instrument} {filekind}") from None


def name_properties(path: str) -> tuple[str, str, str]:
    """(instrument, suffix, extension) of the reference at ``path``."""
    base = os.path.basename(path)
    root, ext = os.path.splitext(base)
    parts = root.split("_")
    if parts[0].lower() == "hst" and len(parts) >= 3 and parts[1].lower() in ID_CHARS:
        return parts[1].lower(), _suffix(parts[1].lower(), parts[2].lower()), ext
    if len(parts) >= 2 and parts[-1].lower() in SYNPHOT_SUFFIXES and ext == ".fits":
        return "synphot", parts[-1].lower(), ext
    if len(parts) == 2 and ext == ".fits" and parts[0][-1:].lower() in INSTRUMENT_OF_CHAR:
        instrument = INSTRUMENT_OF_CHAR[parts[0][-1].lower()]
        suffix = parts[1].lower()
        if instrument in _types() and suffix in {t["suffix"] for t in _types()[instrument].values()}:
            return instrument, suffix, ext
    return _header_properties(path, ext)


def _header_properties(path: str, ext: str) -> tuple[str, str, str]:
    from astropy.io import fits

    try:
        header = fits.getheader(path)
    except Exception as exc:
        raise UniqnameError(f"{os.path.basename(path)}: cannot read header: {exc}") from None
    if "DBTABLE" not in header or header["DBTABLE"] in ("IMPHTTAB",):
        if "INSTRUME" not in header:
            raise UniqnameError(f"Can't determine instrument for {os.path.basename(path)!r}. CAL references must "
                                "define INSTRUME, SYNPHOT references define DBTABLE.")
        instrument = str(header["INSTRUME"]).lower()
    else:
        instrument = "synphot"
    filetype = header.get("FILETYPE", header.get("DBTABLE", header.get("CDBSFILE")))
    if filetype is None:
        raise UniqnameError(f"Can't determine HST file type for {os.path.basename(path)!r}. Check FILETYPE, "
                            "CDBSFILE, DBTABLE, TELESCOP, and/or TELESCOPE.")
    for filekind, facts in _types().get(instrument, {}).items():
        if facts["filetype"] == str(filetype).lower():
            return instrument, facts["suffix"], ext
    raise UniqnameError(f"Invalid FILETYPE (or CDBSFILE) of {str(filetype).lower()!r} for instrument {instrument!r}.")


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
    clock = clock or NameClock()
    done = []
    for path in paths:
        if not os.path.isfile(path):
            raise UniqnameError(f"{path}: no such file")
        new_base = unique_name(path, clock)
        target = os.path.join(options.output_dir if options.output_dir else os.path.dirname(path), new_base)
        if options.dry_run:
            log(f"Would rename {path!r} --> {target!r}")
        else:
            log(f"Rewriting {path!r} --> {target!r}")
            rewrite(path, target, options)
            if options.remove_original:
                os.remove(path)
        done.append(Renaming(path, target))
    return done


def rewrite(path: str, target: str, options: UniqnameOptions) -> None:
    """Write ``path`` renamed as ``target`` (keywords and checksums per ``options``)."""
    from astropy.io import fits

    if os.path.exists(target):
        raise UniqnameError(f"{target} already exists")
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
                    now = datetime.datetime.now(datetime.timezone.utc)
                    hdus[0].header["FILENAME"] = new_base
                    hdus[0].header["ROOTNAME"] = os.path.splitext(new_base)[0].upper()
                    hdus[0].header["HISTORY"] = (f"{base} renamed to {new_base} on "
                                                 f"{MONTHS[now.month - 1]} {now.day} {now.year}")
                with write_atomically(target) as handle:
                    hdus.writeto(handle, output_verify=verify, checksum=options.add_checksum)
    except UniqnameError:
        raise
    except Exception as exc:
        raise UniqnameError(f"Failed to rename/rewrite {base!r} as {new_base!r}: {exc}") from None
