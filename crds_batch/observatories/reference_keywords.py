"""How crds names a JWST/Roman reference's header keywords when it certifies or lists one.

The facts are data (``reference_keywords.json``, regenerated from an installed
crds and stdatamodels by ``scripts/regenerate_reference_constraints.py
keywords``; its ``provenance`` says which versions):

- JWST data-model paths <-> FITS keywords (``META.INSTRUMENT.DETECTOR`` <->
  ``DETECTOR``), read by crds off the core data-model schema;
- crds's explicit JWST synonyms (``META.INSTRUMENT.NAME``: ``INSTRUME``,
  ``INSTRUMENT``...);
- each observatory's provenance keywords (``--dump-provenance``);
- the reference "pattern" keywords (``P_DETECT``, ``META.INSTRUMENT.P_DETECTOR``)
  and the dataset keyword each one stands for.

A JWST header is "cross-strapped" as crds does it: every keyword that has a
synonym gets the synonym too (when the synonym is not already defined).
Roman has no FITS references: its headers are not cross-strapped.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

UNDEFINED = "UNDEFINED"
#: Keywords crds reads a header's instrument from, in order (crds's INSTRUMENT_KEYWORDS).
INSTRUMENT_KEYWORDS = ("INSTRUME", "META.INSTRUMENT.NAME", "META_INSTRUMENT_NAME", "INSTRUMENT",
                       "ROMAN.META.INSTRUMENT.NAME", "META.INSTRUMENT.TYPE", "META_INSTRUMENT_TYPE")
_PATTERN_NAME = re.compile(r"META(\.[A-Z][A-Z0-9_]*)*\.(P_[A-Z0-9_]+)")
_DATA_MODEL_NAME = re.compile(r"(META(\.[A-Z][A-Z0-9_]*)+)")


@lru_cache(maxsize=None)
def _data() -> dict:
    path = resources.files("crds_batch.observatories").joinpath("reference_keywords.json")
    return json.loads(path.read_text())


@lru_cache(maxsize=None)
def _fits_to_dm() -> dict[str, str]:
    return {fits: dm for dm, fits in _data()["jwst_dm_to_fits"].items()}


def provenance() -> dict:
    return dict(_data()["provenance"])


def dm_to_fits(name: str) -> str | None:
    """The FITS keyword of JWST data-model path ``name`` (``META.SUBARRAY.NAME`` -> ``SUBARRAY``), or None."""
    return _data()["jwst_dm_to_fits"].get(name.upper())


def fits_to_dm(keyword: str) -> str | None:
    """The JWST data-model path of FITS ``keyword`` (``SUBARRAY`` -> ``META.SUBARRAY.NAME``), or None."""
    return _fits_to_dm().get(keyword.upper())


def fits_annotation(name: str) -> str:
    """The FITS keyword crds shows in brackets after data-model path ``name`` in its JWST messages: the schema's,
    else the first explicit synonym, else a pattern keyword's 8-character FITS form, else ``FITS unknown``."""
    fits = dm_to_fits(name)
    if fits is not None:
        return fits
    synonyms = _data()["jwst_cross_strapped"].get(name)
    if synonyms:
        return synonyms[0]
    pattern = _PATTERN_NAME.match(name)
    if pattern:
        return pattern.group(2)[:8]
    return "FITS unknown"


def annotate_fits_keywords(text: str) -> str:
    """``META.X.Y`` in a JWST message becomes ``META.X.Y [FITSKEY]``, as crds's JWST log writes it."""
    for match in _DATA_MODEL_NAME.finditer(text):
        name = match.group(0)
        annotation = f" [{fits_annotation(name)}]"
        if annotation not in text:
            text = text.replace(name, name + annotation)
    return text


def provenance_keywords(observatory: str) -> tuple[str, ...]:
    """Keywords crds dumps (and warns about when missing) for every reference of ``observatory``."""
    return tuple(_data()["provenance_keywords"].get(observatory.lower(), ()))


def pattern_translations(observatory: str, parameter_rmap: bool = False) -> dict[str, str]:
    """Reference pattern keyword -> dataset keyword (Roman: ``META.`` names for parameter rmaps, else
    ``ROMAN.META.``)."""
    table = _data()["pattern_translations"].get(observatory.lower(), {})
    prefix = "META" if parameter_rmap else "ROMAN.META"
    return {key.replace("{prefix}", prefix): value.replace("{prefix}", prefix) for key, value in table.items()}


def _synonym_pairs(header: dict) -> list[tuple[str, str]]:
    pairs = []
    for master, synonyms in _data()["jwst_cross_strapped"].items():
        for synonym in synonyms:
            if master != synonym:
                pairs += [(master, synonym), (synonym, master)]
    for key in header:
        fits = dm_to_fits(key) or key
        model = fits_to_dm(key) or key
        pairs += [(fits, model), (model, fits)]
    return pairs


def cross_strap(header: dict, observatory: str) -> dict:
    """A copy of ``header`` where (JWST) each keyword's synonyms are defined too, as crds does it: in crds's
    pair order, a synonym that is undefined takes the value of a defined keyword."""
    crossed = dict(header)
    if observatory.lower() != "jwst":
        return crossed
    for master, synonym in _synonym_pairs(header):
        master_value = crossed.get(master, UNDEFINED)
        if crossed.get(synonym, UNDEFINED) == UNDEFINED and master_value != UNDEFINED:
            crossed[synonym] = master_value
    return crossed


def header_instrument(header: dict) -> str | None:
    """The instrument a header names, as crds reads it (first defined of :data:`INSTRUMENT_KEYWORDS`)."""
    for key in INSTRUMENT_KEYWORDS:
        value = header.get(key.upper(), header.get(key.lower()))
        if value is not None and value not in ("undefined", UNDEFINED):
            return str(value)
    return None


def cross_strap_named(header: dict) -> dict:
    """:func:`cross_strap` as crds applies it to a file's header: only when the header names a JWST instrument."""
    from .tables import OBSERVATORIES

    instrument = header_instrument(header)
    if instrument is None or instrument.lower() not in OBSERVATORIES["jwst"].instruments:
        return dict(header)
    return cross_strap(header, "jwst")
