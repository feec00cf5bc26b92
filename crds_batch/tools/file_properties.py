"""(instrument, type) of a mapping or reference, as crds's ``get_file_properties`` works them out.

- A CRDS name says it: ``<obs>.pmap``/``<obs>_0729.pmap`` -> ``('', '')``,
  ``<obs>_acs_0421.imap`` -> ``('acs', '')``, ``<obs>_acs_biasfile_0001.rmap``
  or ``.fits`` -> ``('acs', 'biasfile')`` (two to four ``_`` words, a known
  instrument and, for references, a known type). A mapping with another name:
  its header's ``instrument`` and ``filekind``.
- An HST CDBS name (crds's hst/siname.py): the instrument from the last
  character of the first word (``j`` ACS, ``o`` STIS, ``n`` NICMOS, ``u`` WFPC2,
  ``i`` WFC3, ``l`` COS, ``m`` SYNPHOT) or SYNPHOT when one of the last two
  words is ``syn``/``th``; the type from the suffix word, from a synphot suffix
  (``_syn`` thruput, ``_th`` thermal, ``_tmt``/``_tmg``/``_tmc`` tables), or for
  GEIS files (``.r1h``) from the extension (``GEIS_SUFFIXES``).
- Else the header: HST ``INSTRUME`` (``DBTABLE``: SYNPHOT) and the type of its
  ``FILETYPE``; JWST/Roman the instrument name and ``REFTYPE``.
"""
from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from importlib import resources

from ..errors import CrdsBatchError
from ..observatories import OBSERVATORIES

MAPPING_EXTENSIONS = (".pmap", ".imap", ".rmap")

#: crds hst/siname.py ID_CHAR_TO_INSTRUMENT.
CDBS_INSTRUMENT_CHARS = {"j": "acs", "o": "stis", "n": "nicmos", "u": "wfpc2", "i": "wfc3", "l": "cos", "m": "synphot"}
#: crds hst/locate.py: synphot name endings -> type.
SYNPHOT_SUFFIX_KINDS = {"syn": "thruput", "th": "thermal", "tmt": "tmttab", "tmg": "tmgtab", "tmc": "tmctab"}
#: crds hst/locate.py GEIS_EXT_TO_SUFFIX: the two characters after the dot of a GEIS file -> CDBS suffix.
GEIS_SUFFIXES = {"r0": "msk", "r1": "a2d", "r2": "bas", "r3": "drk", "r4": "flt", "r5": "shd", "r6": "flt",
                 "r7": "w4t"}


class FilePropertiesError(CrdsBatchError):
    """The instrument and type of a file cannot be told."""


def file_properties(path: str, observatory: str) -> tuple[str, str]:
    """``(instrument, filekind)`` in lower case (``''`` where a context has none)."""
    base = os.path.basename(path)
    if base.endswith(MAPPING_EXTENSIONS):
        named = _crds_name_properties(base, observatory, mapping=True)
        return named if named is not None else _mapping_header_properties(path)
    if is_geis_data(base):  # crds: a GEIS data file's properties are its header file's
        base, path = base[:-1] + "h", path[:-1] + "h"
    named = _crds_name_properties(base, observatory, mapping=False)
    if named is not None:
        return named
    if observatory == "hst":
        cdbs = hst_cdbs_name_properties(base)
        if cdbs is not None:
            return cdbs
    return _header_properties(path, observatory)


def is_geis_data(name: str) -> bool:
    """``x.r0d``: the data file of an HST GEIS pair (crds io/geis.py: the name ends ``r<digit>d``)."""
    return bool(re.fullmatch(r"r[0-9]d", os.path.basename(name)[-3:]))


def is_geis_header(name: str) -> bool:
    """``x.r0h``: the header file of an HST GEIS pair (its data file: the same name ending ``d``)."""
    return bool(re.fullmatch(r"r[0-9]h", os.path.basename(name)[-3:]))


def _crds_name_properties(base: str, observatory: str, mapping: bool) -> tuple[str, str] | None:
    stem, ext = os.path.splitext(base)
    parts = stem.split("_")
    if parts[0] != observatory:
        return None
    instruments = OBSERVATORIES[observatory].instruments
    if ext == ".pmap":
        return ("", "") if len(parts) in (1, 2) else None
    if ext == ".imap":
        return (parts[1], "") if len(parts) in (2, 3) and parts[1] in instruments else None
    if len(parts) not in (3, 4) or parts[1] not in instruments:
        return None
    if not mapping and parts[2] not in _known_kinds(observatory, parts[1]):
        return None
    return parts[1], parts[2]


def _known_kinds(observatory: str, instrument: str) -> set[str]:
    from .tpns import type_keys

    return set(type_keys(observatory).get(instrument, {})) | _hst_kinds().get(instrument, set())


@lru_cache(maxsize=1)
def hst_types() -> dict:
    """``{instrument: {type: {"filetype", "suffix", "unique_rowkeys"}}}`` of HST (``hst_reference_types.json``)."""
    text = resources.files("crds_batch.observatories").joinpath("hst_reference_types.json").read_text()
    return json.loads(text)["types"]


@lru_cache(maxsize=1)
def _hst_kinds() -> dict[str, set[str]]:
    return {instrument: set(kinds) for instrument, kinds in hst_types().items()}


def hst_cdbs_name_properties(base: str) -> tuple[str, str] | None:
    """``(instrument, filekind)`` an HST CDBS name (``s7g1700gl_dead.fits``, ``e1b09593u.r1h``) tells, else None."""
    parts = re.split(r"[_.]", base)
    ext = os.path.splitext(base)[1].lower()
    if any(part.lower() in ("syn", "th") for part in parts[-2:]) or parts[0][-1:].lower() == "m":
        suffix = base.rsplit("_", 1)[-1].removesuffix(".fits").lower() if base.endswith(".fits") else ""
        kind = SYNPHOT_SUFFIX_KINDS.get(suffix)
        return ("synphot", kind) if kind else None
    instrument = CDBS_INSTRUMENT_CHARS.get(parts[0][-1:].lower())
    if instrument is None:
        return None
    if ext == ".fits":
        suffix = parts[1].lower() if len(parts) > 2 else ""
    else:
        suffix = GEIS_SUFFIXES.get(ext[1:3], "")
    for filekind, facts in hst_types().get(instrument, {}).items():
        if facts.get("suffix") == suffix:
            return instrument, filekind
    return None


def _mapping_header_properties(path: str) -> tuple[str, str]:
    from .mapping_tree import load_parsed

    try:
        header = load_parsed(path).header
    except Exception as exc:  # noqa: BLE001 - unreadable mapping: one line
        raise FilePropertiesError(f"{os.path.basename(path)}: cannot read mapping header: {exc}") from None
    return str(header.get("instrument", "")).lower(), str(header.get("filekind", "")).lower()


def _header_properties(path: str, observatory: str) -> tuple[str, str]:
    from ..certify.kinds import detect_format
    from ..certify.references import hst_reference_properties, reference_properties

    if not os.path.exists(path):
        raise FilePropertiesError(f"{os.path.basename(path)}: no such file (its name does not say its type)")
    if observatory == "hst":
        from astropy.io import fits

        try:
            header = _hst_header(path)
        except Exception:  # noqa: BLE001 - not FITS
            header = {}
        found = hst_reference_properties(header) if header else None
        if "INSTRUME" not in header and "DBTABLE" not in header:
            raise FilePropertiesError(f"Can't determine instrument for {os.path.basename(path)!r}. CAL references "
                                      "must define INSTRUME, SYNPHOT references define DBTABLE.")
        if found is None:
            raise FilePropertiesError(_hst_type_problem(header, os.path.basename(path)))
        return found[0].lower(), found[1].lower()
    instrument, filekind = reference_properties(path, detect_format(path))
    if "unknown" in (instrument, filekind):
        raise FilePropertiesError(f"Can't determine the instrument and type of {os.path.basename(path)!r}")
    return instrument.lower(), filekind.lower()


def _hst_header(path: str):
    """The primary header of an HST FITS file, or a GEIS header file's cards."""
    if is_geis_header(path) or is_geis_data(path):
        from ..certify.geis import geis_header

        return geis_header(path)
    from astropy.io import fits

    return fits.getheader(path)


def _hst_type_problem(header, name: str) -> str:
    """crds's words for an HST header whose type cannot be told: no FILETYPE/DBTABLE/CDBSFILE (another
    telescope's file, or none said), or a file type the instrument does not have."""
    filetype = header.get("FILETYPE", header.get("DBTABLE", header.get("CDBSFILE")))
    if filetype is None:
        telescope = header.get("TELESCOP", header.get("TELESCOPE"))
        if telescope is not None and str(telescope).upper() != "HST":
            return (f"CRDS is configured for 'HST' but file {name!r} is for the {telescope!r} telescope.  "
                    "Reconfigure CRDS_PATH or CRDS_SEVER_URL.")
        return f"Can't determine HST file type for {name!r}. Check FILETYPE, CDBSFILE, DBTABLE, TELESCOP, and/or TELESCOPE."
    if "DBTABLE" in header and header["DBTABLE"] not in ("IMPHTTAB",):
        instrument = "synphot"
    else:
        instrument = str(header["INSTRUME"]).lower()
    return f"Invalid FILETYPE (or CDBSFILE) of {str(filetype).lower()!r} for instrument {instrument!r}."
