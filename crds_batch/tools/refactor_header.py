"""The header a reference is inserted into an rmap with, as crds 13.2.7 makes it.

crds (``ReferenceMapping.get_refactor_header`` / ``reference_to_dataset_header``
and the observatory's ``locate`` module) turns the reference's header into
the dataset terms the rmap matches on, in this order:

1. the reference's whole header, each parameter the rmap requires (and each
   reference keyword its ``reference_to_dataset`` maps onto one) defined,
   ``UNDEFINED`` if missing;
2. reference keywords -> dataset keywords (``reference_keys_to_dataset_keys``):
   HST: ``USEAFTER`` gives ``DATE-OBS``/``DATE_OBS``/``TIME-OBS``/``TIME_OBS``;
   JWST/Roman: the pattern keywords (``P_EXP_TY`` / ``META.EXPOSURE.P_EXPTYPE``
   ... and the rmap's ``reference_to_dataset``) give the keywords they stand
   for, unless the reference's own value is UNDEFINED or equal; FITS and
   ``META.*`` names of the same keyword both defined; ``META.USEAFTER`` gives
   ``META.OBSERVATION.DATE``/``TIME``;
3. substitutions (:mod:`crds_batch.observatories.substitutions`): ``ANY`` and
   other wildcard values of HST references expanded into or-patterns;
4. HST values conditioned as dataset values are (``ANY`` -> ``*``, numbers as
   floats, upper case); JWST and Roman values are kept as written;
5. parameters whose ``parkey_relevance`` is false -> ``N/A`` (comment
   parameters keep their values); the rmap's ``extra_keys`` and reference
   switch -> ``N/A``.

crds applies no ``precondition_header`` hook here; its one rmap-update hook
(``rmap_update_headers_acs_biasfile_v1``) is found only for ACS BIASFILE
rmaps without a ``hooks`` header, which no current rmap is (all name their
hooks): it is not applied here.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

from ..errors import CrdsBatchError
from ..observatories.keyword_data import JWST_PARAMETER_KEYWORDS
from ..observatories.substitutions import expand_wildcards
from ..rules.conditioning import condition_header
from ..rules.dates import reformat_date
from ..rules.lookup import irrelevant_parkeys

#: JWST pattern keywords (reference files) -> the dataset keywords they give values for (crds jwst/locate.py).
JWST_PATTERN_KEYWORDS = {
    "META.EXPOSURE.P_EXPTYPE": "META.EXPOSURE.TYPE", "P_EXP_TY": "META.EXPOSURE.TYPE",
    "META.INSTRUMENT.P_BAND": "META.INSTRUMENT.BAND", "P_BAND": "META.INSTRUMENT.BAND",
    "META.INSTRUMENT.P_DETECTOR": "META.INSTRUMENT.DETECTOR", "P_DETECT": "META.INSTRUMENT.DETECTOR",
    "META.INSTRUMENT.P_CHANNEL": "META.INSTRUMENT.CHANNEL", "P_CHANNE": "META.INSTRUMENT.CHANNEL",
    "META.INSTRUMENT.P_FILTER": "META.INSTRUMENT.FILTER", "P_FILTER": "META.INSTRUMENT.FILTER",
    "META.INSTRUMENT.P_PUPIL": "META.INSTRUMENT.PUPIL", "P_PUPIL": "META.INSTRUMENT.PUPIL",
    "META.INSTRUMENT.P_MODULE": "META.INSTRUMENT.MODULE", "P_MODULE": "META.INSTRUMENT.MODULE",
    "META.SUBARRAY.P_SUBARRAY": "META.SUBARRAY.NAME", "P_SUBARR": "META.SUBARRAY.NAME",
    "META.INSTRUMENT.P_GRATING": "META.INSTRUMENT.GRATING", "P_GRATIN": "META.INSTRUMENT.GRATING",
    "META.EXPOSURE.PREADPATT": "META.EXPOSURE.READPATT", "META.EXPOSURE.P_READPATT": "META.EXPOSURE.READPATT",
    "P_READPA": "META.EXPOSURE.READPATT",
    "META.INSTRUMENT.PCORONAGRAPH": "META.INSTRUMENT.CORONAGRAPH", "P_CORONM": "META.INSTRUMENT.CORONAGRAPH",
}
_USEAFTER_KEYS = ("USEAFTER", "META.USEAFTER", "ROMAN.META.USEAFTER")


class RefactorHeaderError(CrdsBatchError):
    """The reference's header cannot be turned into match values."""


def reference_parkeys(rules, header: Mapping) -> list[str]:
    """The rmap's required parameters plus the reference keywords its ``reference_to_dataset`` maps onto them."""
    keys = list(rules.required_parkeys)
    for reference_key, dataset_key in dict(header.get("reference_to_dataset", {}) or {}).items():
        if dataset_key.upper() in keys:
            keys.append(reference_key.upper())
    return sorted(set(keys))


def refactor_header(rules, rmap_header: Mapping, reference: str) -> dict[str, str]:
    """The header ``reference`` is inserted into the rmap ``rules`` (its parsed header ``rmap_header``) with."""
    from ..files.headers import read_parameters

    header = {key.upper(): str(value) for key, value in read_parameters(reference).parameters.items()}
    for key in reference_parkeys(rules, rmap_header):
        if header.get(key, "UNDEFINED") in ("UNDEFINED", "None"):
            header[key] = "UNDEFINED"
    observatory = rules.observatory.lower()
    name = os.path.basename(reference)
    if observatory == "hst":
        header = _hst_dataset_keys(header, name)
    elif observatory == "jwst":
        header = _jwst_dataset_keys(header, name, rmap_header)
    elif observatory == "roman":
        header = _roman_dataset_keys(header, name, rmap_header)
    header = expand_wildcards(observatory, rules.instrument, header, rules.required_parkeys)
    if observatory == "hst":
        header = condition_header(header)
    for parkey in irrelevant_parkeys(rules, header, keep_comments=True):
        header[parkey] = "N/A"
    extra = list(rules.extra_keys)
    if rules.reffile_switch != "NONE":
        extra.append(rules.reffile_switch.upper())
    for key in extra:
        header[key.upper()] = "N/A"
    return header


def _useafter(header: Mapping[str, str], name: str) -> tuple[str, str]:
    """(date, time) of the reference's USEAFTER, crds's ``reformat_useafter``."""
    value = next((header[key] for key in _USEAFTER_KEYS if key in header), "UNDEFINED")
    try:
        date, time = reformat_date(value).split()
    except Exception:
        raise RefactorHeaderError(f"{name}: Bad USEAFTER time format = {value!r}") from None
    return date, time


def _hst_dataset_keys(header: dict[str, str], name: str) -> dict[str, str]:
    result = dict(header)
    if "USEAFTER" in header:
        date, time = _useafter(header, name)
        result["DATE-OBS"] = result["DATE_OBS"] = date
        result["TIME-OBS"] = result["TIME_OBS"] = time
    return result


def _translated(header: dict[str, str], translations: Mapping[str, str], upper: bool) -> dict[str, str]:
    """Pattern keywords give the keywords they stand for, unless their value is UNDEFINED or already there."""
    header = dict(header)
    for reference_key in sorted(translations):
        if reference_key in header:
            dataset_key = translations[reference_key]
            value = header[reference_key]
            if value not in ("None", "UNDEFINED") and value != header.get(dataset_key):
                header[dataset_key] = value.upper() if upper else value
    return header


def _rmap_translations(rmap_header: Mapping) -> dict[str, str]:
    return {str(k).upper(): str(v).upper() for k, v in dict(rmap_header.get("reference_to_dataset", {}) or {}).items()}


def _jwst_dataset_keys(header: dict[str, str], name: str, rmap_header: Mapping) -> dict[str, str]:
    header = _translated(header, {**JWST_PATTERN_KEYWORDS, **_rmap_translations(rmap_header)}, upper=False)
    for meta, fits in JWST_PARAMETER_KEYWORDS.items():  # crds's cross-strapping of FITS and META names
        for master, slave in ((meta, fits), (fits, meta)):
            if header.get(slave, "UNDEFINED") == "UNDEFINED" and header.get(master, "UNDEFINED") != "UNDEFINED":
                header[slave] = header[master]
    if "SUBARRAY" not in header:
        header["SUBARRAY"] = header["META.SUBARRAY.NAME"] = "UNDEFINED"
    if "EXP_TYPE" not in header:
        header["EXP_TYPE"] = header["META.EXPOSURE.TYPE"] = "UNDEFINED"
    if "USEAFTER" not in header and "META.USEAFTER" in header:
        header["USEAFTER"] = header["META.USEAFTER"]
    if "USEAFTER" in header:
        date, time = _useafter(header, name)
        header["DATE-OBS"] = header["META.OBSERVATION.DATE"] = date
        header["TIME-OBS"] = header["META.OBSERVATION.TIME"] = time
    return header


def _roman_dataset_keys(header: dict[str, str], name: str, rmap_header: Mapping) -> dict[str, str]:
    """crds roman/locate.py (SSC YAML references, ORIGIN 'IPAC/SSC', are not translated here)."""
    prefix = "META" if "-" in str(rmap_header.get("name", "")) else "ROMAN.META"  # parameter (pars-) rmaps
    translations = {f"{prefix}.EXPOSURE.P_EXPTYPE": f"{prefix}.EXPOSURE.TYPE",
                    f"{prefix}.INSTRUMENT.P_DETECTOR": f"{prefix}.INSTRUMENT.DETECTOR",
                    f"{prefix}.INSTRUMENT.P_OPTICAL_ELEMENT": f"{prefix}.INSTRUMENT.OPTICAL_ELEMENT",
                    **_rmap_translations(rmap_header)}
    header = _translated(header, translations, upper=True)
    header.setdefault(f"{prefix}.SUBARRAY.NAME", "UNDEFINED")
    header.setdefault(f"{prefix}.EXPOSURE.TYPE", "UNDEFINED")
    if f"{prefix}.USEAFTER" in header:
        header["ROMAN.META.EXPOSURE.START_TIME"] = " ".join(_useafter(header, name))
    return header
