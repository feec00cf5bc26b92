"""One table per fact about each observatory.

Everything observatory-specific that the rest of the package needs is looked
up here; nothing else spells out an observatory's keywords.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import UnknownContextError


@dataclass(frozen=True)
class Observatory:
    """Conventions of one observatory's datasets and rules."""

    name: str
    #: Dataset keyword naming the instrument (as the pmap's parkey reads it).
    instrument_keyword: str
    #: Dataset keywords that give the observation date/time for UseAfter.
    date_keywords: tuple[str, ...]
    #: Instrument name spellings that mean another instrument.
    instrument_fixers: dict[str, str] = field(default_factory=dict)
    #: Header keyword prefix of a reference file name, per instrument (HST IRAF prefixes).
    reference_prefixes: dict[str, str] = field(default_factory=dict)
    #: Keywords kept in the minimized header for hooks/expressions but never matched.
    extra_header_keys: tuple[str, ...] = ()
    #: Dataset ids are PRODUCT:EXPOSURE compound ids.
    compound_ids: bool = False


OBSERVATORIES: dict[str, Observatory] = {
    "hst": Observatory(
        name="hst",
        instrument_keyword="INSTRUME",
        date_keywords=("DATE-OBS", "TIME-OBS"),
        instrument_fixers={"HST": "SYNPHOT", "WFII": "WFPC2"},
        reference_prefixes={
            "ACS": "jref$",
            "STIS": "oref$",
            "NICMOS": "nref$",
            "WFPC2": "uref$",
            "WFC3": "iref$",
            "COS": "lref$",
            "MULTI": "mtab$",
            "SYNPHOT": "ttab$",
        },
        compound_ids=True,
    ),
    "jwst": Observatory(
        name="jwst",
        instrument_keyword="META.INSTRUMENT.NAME",
        date_keywords=("META.OBSERVATION.DATE", "META.OBSERVATION.TIME"),
        extra_header_keys=("META.VISIT.TSOVISIT", "META.INSTRUMENT.LAMP_STATE"),
    ),
    "roman": Observatory(
        name="roman",
        instrument_keyword="ROMAN.META.INSTRUMENT.NAME",
        date_keywords=("ROMAN.META.EXPOSURE.START_TIME",),
    ),
    "tobs": Observatory(
        name="tobs",
        instrument_keyword="INSTRUME",
        date_keywords=("META.OBSERVATION.DATE", "META.OBSERVATION.TIME"),
    ),
}


def get_observatory(name: str) -> Observatory:
    """Return the :class:`Observatory` called ``name`` (any case)."""
    try:
        return OBSERVATORIES[name.lower()]
    except KeyError:
        raise UnknownContextError(
            f"Unknown observatory {name!r}; known: {', '.join(sorted(OBSERVATORIES))}"
        ) from None


def observatory_of_name(filename: str) -> Observatory:
    """Return the observatory a CRDS file or context name belongs to (``hst_0729.pmap`` -> hst)."""
    base = filename.rsplit("/", 1)[-1].lower()
    for name in sorted(OBSERVATORIES, key=len, reverse=True):
        if base == name or base.startswith((name + "_", name + "-", name + ".")):
            return OBSERVATORIES[name]
    raise UnknownContextError(f"Cannot tell the observatory of {filename!r}")
