"""The header ``crds certify`` checks for a JWST or Roman reference (FITS, ASDF, JSON, YAML).

As crds builds it:

1. the file's keywords: FITS, every HDU's cards (first value wins, HISTORY
   and COMMENT joined); ASDF, JSON and YAML, the tree flattened to upper-case
   dotted paths (``META.INSTRUMENT.NAME``), values as text (dates
   ``YYYY-MM-DDTHH:MM:SS``, other objects ``SUPRESSED_NONSTD_TYPE: 'Class'``),
   plus an ASDF file's ``HISTORY`` from its history entries;
2. JWST: every keyword also under its synonyms (data-model path <-> FITS
   keyword, :mod:`crds_batch.observatories.reference_keywords`);
3. when the comparison context has an rmap for the file's type, reference
   "pattern" keywords (``P_DETECT``) set the dataset keywords they stand for,
   USEAFTER gives the observation date/time keywords (an unparsable USEAFTER
   is an error and the header stays as it was);
4. numbers back as numbers, dotted names also with underscores (for the
   constraints' expressions).

The reference's instrument and type come from its name when it follows
CRDS's ``<obs>_<instrument>_<type>[_<serial>]`` form, else from the header.
"""
from __future__ import annotations

import datetime
import os
import re
from collections.abc import Mapping

from ..observatories.constraints import reference_types
from ..observatories.reference_keywords import UNDEFINED, cross_strap_named, header_instrument, pattern_translations
from .log import CertifyLog

_APPENDED = ("HISTORY", "COMMENT")
_FILEKIND_KEYWORDS = {"jwst": ("REFTYPE", "TYPE", "META.REFTYPE"),
                      "roman": ("ROMAN.META.REFTYPE", "META.REFTYPE", "REFTYPE")}
_DOTTED = re.compile(r"([A-Za-z][A-Za-z0-9_]*)\.")


class UnidentifiedReference(ValueError):
    """crds cannot tell the reference's instrument or type (its text is crds's)."""


# 1. the file's keywords -----------------------------------------------------------------------------------------

def file_header(path: str, kind: str, observatory: str, log: CertifyLog) -> dict:
    """Steps 1 and 2: the file's keywords as crds reads them, cross-strapped, with ``FILE_FORMAT``."""
    items = {"fits": _fits_items, "asdf": _asdf_items, "json": _json_items, "yaml": _yaml_items}[kind](path, log)
    header: dict = {}
    for key, value in items:
        key, value = str(key).upper(), str(value)
        if key in header and header[key] != value:
            if key in _APPENDED:
                header[key] += "\n" + value
            continue
        header.setdefault(key, value)
    header = cross_strap_named(header)
    header["FILE_FORMAT"] = kind.upper()
    return header


def _fits_items(path: str, log: CertifyLog) -> list[tuple[str, str]]:
    from astropy.io import fits

    with fits.open(path) as hdus:
        return [(card.keyword, str(card.value)) for hdu in hdus for card in hdu.header.cards if card.keyword]


def _asdf_items(path: str, log: CertifyLog) -> list[tuple[str, str]]:
    import asdf

    with asdf.open(path) as handle:
        tree = flatten_tree(handle.tree)
        tree["HISTORY"] = _asdf_history(handle, log)
    return list(tree.items())


def _asdf_history(handle, log: CertifyLog) -> str:
    """The history entries as ``time :: description`` lines; crds logs a missing history as an error."""
    try:
        handle.tree["history"]
        lines = []
        for entry in handle.get_history_entries():
            lines.append(_iso(entry["time"]).split(".")[0] + " :: " + entry["description"])
    except Exception as exc:  # noqa: BLE001 - crds traps any failure here as this one error
        log.error(f"Failed reading ASDF history, see ASDF docs on adding history : {exc}")
        return UNDEFINED
    return "\n".join(lines) if lines else UNDEFINED


def _json_items(path: str, log: CertifyLog) -> list[tuple[str, str]]:
    import json

    with open(path) as handle:
        return list(flatten_tree(json.load(handle)).items())


def _yaml_items(path: str, log: CertifyLog) -> list[tuple[str, str]]:
    import yaml

    with open(path) as handle:
        return list(flatten_tree(yaml.safe_load(handle)).items())


def flatten_tree(tree: Mapping) -> dict:
    """A tree flattened as crds flattens it: ``A.B.C`` upper-case keys, simple values as text."""
    flat: dict = {}
    for key, value in tree.items():
        if not isinstance(key, str):
            continue
        if isinstance(value, Mapping):
            for sub, sub_value in flatten_tree(value).items():
                flat[f"{key.upper()}.{sub}"] = sub_value
        else:
            flat[key.upper()] = _simple(value)
    return flat


def _simple(value):
    if isinstance(value, (str, int, float, complex)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return tuple(_simple(item) for item in value)
    if _is_date(value):
        return _iso(value).replace(" ", "T")
    return "SUPRESSED_NONSTD_TYPE: " + repr(type(value).__name__)


def _is_date(value) -> bool:
    if isinstance(value, datetime.datetime):
        return True
    from astropy.time import Time

    return isinstance(value, Time)


def _iso(value) -> str:
    """crds's date form: ``YYYY-MM-DD HH:MM:SS[.ffffff]`` (astropy Times in whole UTC seconds)."""
    if isinstance(value, datetime.datetime):
        return value.isoformat(" ")
    if _is_date(value):
        return value.utc.strftime("%Y-%m-%d %H:%M:%S")
    from ..rules.dates import reformat_date

    return reformat_date(str(value))


# Instrument and type ---------------------------------------------------------------------------------------------

def reference_type(path: str, header: dict | None, observatory: str) -> tuple[str, str]:
    """(instrument, type), lower case, of a JWST/Roman reference: from its name, else its header (``header``
    None: not loadable). Raises :class:`UnidentifiedReference` with crds's text."""
    types = reference_types(observatory)
    kinds = {kind for by_kind in types.values() for kind in by_kind}
    named = _name_fields(path, observatory)
    if named is not None and named[0] in types and named[1] in kinds:
        return named
    name = os.path.basename(path)
    instrument = header_instrument(header or {})
    if instrument is None:
        raise UnidentifiedReference(f"Can't identify instrument of {name!r} : "
                                    "'No instrument keyword defined in header.'")
    if instrument.lower() not in types:
        raise UnidentifiedReference(f"Can't identify instrument of {name!r} : Invalid instrument "
                                    f"{instrument.lower()!r}")
    keys = _FILEKIND_KEYWORDS[observatory]
    filekind = next((str(header[k]) for k in keys if str(header.get(k, UNDEFINED)).lower() != "undefined"),
                    UNDEFINED).lower()
    if filekind not in kinds:
        raise UnidentifiedReference(f"Can't identify {keys[0]} of {name!r}")
    return instrument.lower(), filekind


def _name_fields(path: str, observatory: str) -> tuple[str, str] | None:
    """(instrument, type) as a CRDS name spells them: ``<obs>_<instrument>_<type>[_<serial>]``; Roman also
    ``<obs>_<instrument>_<x>_<type>_<serial>`` (SSC names), its serials all digits."""
    stem, ext = os.path.splitext(os.path.basename(path))
    parts = stem.split("_")
    if observatory == "roman" and len(parts) >= 5:
        serial = parts[4].replace("ctx", "") if ext == ".yaml" else parts[4]
        return (parts[1], parts[3]) if re.fullmatch(r"\d*", serial) else None
    if len(parts) not in (3, 4):
        return None
    if observatory == "roman" and not re.fullmatch(r"\d*", parts[3] if len(parts) == 4 else ""):
        return None
    return parts[1], parts[2]


# 3. reference keywords -> dataset keywords ------------------------------------------------------------------------

def dataset_header(header: dict, observatory: str, rmap_header: dict, rmap_name: str, log: CertifyLog,
                   report_error) -> dict:
    """Step 3 for a file the comparison context has an rmap for; ``report_error(text)`` files crds's "Error
    mapping reference names and values" error (then the header is returned unchanged)."""
    try:
        return _dataset_header(dict(header), observatory, rmap_header, rmap_name, log)
    except ValueError as exc:
        report_error(f"Error mapping reference names and values to dataset names and values : {exc}")
        return header


def _dataset_header(header: dict, observatory: str, rmap_header: dict, rmap_name: str, log: CertifyLog) -> dict:
    parameter_rmap = observatory == "roman" and "-" in rmap_name
    prefix = "META" if parameter_rmap else "ROMAN.META"
    translations = pattern_translations(observatory, parameter_rmap)
    translations.update({str(k): str(v) for k, v in dict(rmap_header.get("reference_to_dataset", {})).items()})
    for key in header:
        if key.split(".")[-1].startswith("P_") and key not in translations:
            log.warning(f"CRDS-pattern-like keyword {key!r} w/o CRDS translation to corresponding dataset keyword.")
            log.info(f"Pattern-like keyword {key!r} may be misspelled or missing its translation in CRDS.  "
                     "Pattern will not be used.")
            log.info(f"The translation for {key!r} can be defined in crds.{observatory}.locate or rmap header "
                     "reference_to_dataset field.")
            log.info("If this is not a pattern keyword, adding a translation to 'not-a-pattern' will suppress "
                     "this warning.")
    for key in sorted(translations):
        if key in header:
            target = translations[key]
            old, new = header.get(target), header[key]
            if new not in (None, UNDEFINED) and new != old:
                log.info(f"Setting {target!r} = {old!r} to value of {key!r} = {new!r}")
                header[target] = new.upper() if observatory == "roman" else new
    if observatory == "roman":
        return _roman_dates(header, prefix)
    return _jwst_dates(cross_strap_named(header))


def _useafter(header: dict) -> tuple[str, str]:
    from ..rules.dates import reformat_date

    useafter = str(header.get("USEAFTER", header.get("META.USEAFTER", header.get("ROMAN.META.USEAFTER", UNDEFINED))))
    try:
        date, time = reformat_date(useafter).split()[:2]
    except Exception:  # noqa: BLE001 - any unparsable date is this one error
        raise ValueError(f"Bad USEAFTER time format = {useafter!r}") from None
    return date, time


def _jwst_dates(header: dict) -> dict:
    if "SUBARRAY" not in header:
        header["SUBARRAY"] = header["META.SUBARRAY.NAME"] = UNDEFINED
    if "EXP_TYPE" not in header:
        header["EXP_TYPE"] = header["META.EXPOSURE.TYPE"] = UNDEFINED
    if "USEAFTER" not in header and "META.USEAFTER" in header:
        header["USEAFTER"] = header["META.USEAFTER"]
    if "USEAFTER" in header:
        date, time = _useafter(header)
        header["DATE-OBS"] = header["META.OBSERVATION.DATE"] = date
        header["TIME-OBS"] = header["META.OBSERVATION.TIME"] = time
    return header


def _roman_dates(header: dict, prefix: str) -> dict:
    header.setdefault(f"{prefix}.SUBARRAY.NAME", UNDEFINED)
    header.setdefault(f"{prefix}.EXPOSURE.TYPE", UNDEFINED)
    if f"{prefix}.USEAFTER" in header:
        date, time = _useafter(header)
        header["ROMAN.META.EXPOSURE.START_TIME"] = f"{date} {time}"
    return header


# 4. the header expressions see -----------------------------------------------------------------------------------

def eval_header(header: dict) -> dict:
    """Numbers back as numbers; ``A.B.C`` also as ``A_B_C``."""
    from .keyword_checks import _number_or_text

    numbers = {key: _number_or_text(value) for key, value in header.items()}
    for key, value in list(numbers.items()):
        numbers[_DOTTED.sub(r"\1_", key)] = value
    return numbers

