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
    #: Instrument names (lower case) whose datasets belong to this observatory.
    instruments: tuple[str, ...] = ()
    #: Top of the ASDF tree holding dataset metadata, and the parameter-name prefix it flattens to.
    asdf_meta_path: tuple[str, ...] = ("meta",)


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
        instruments=("acs", "cos", "nicmos", "stis", "synphot", "wfc3", "wfpc2"),
    ),
    "jwst": Observatory(
        name="jwst",
        instrument_keyword="META.INSTRUMENT.NAME",
        date_keywords=("META.OBSERVATION.DATE", "META.OBSERVATION.TIME"),
        extra_header_keys=("META.VISIT.TSOVISIT", "META.INSTRUMENT.LAMP_STATE"),
        instruments=("fgs", "miri", "nircam", "niriss", "nirspec", "system"),
    ),
    "roman": Observatory(
        name="roman",
        instrument_keyword="ROMAN.META.INSTRUMENT.NAME",
        date_keywords=("ROMAN.META.EXPOSURE.START_TIME",),
        instruments=("wfi",),
        asdf_meta_path=("roman", "meta"),
    ),
    "tobs": Observatory(
        name="tobs",
        instrument_keyword="INSTRUME",
        date_keywords=("META.OBSERVATION.DATE", "META.OBSERVATION.TIME"),
        instruments=("tinstr",),
    ),
    # The embedded offline demo (crds-batch demo): a pretend instrument with rules of the real shape.
    "demo": Observatory(
        name="demo",
        instrument_keyword="INSTRUME",
        date_keywords=("DATE-OBS", "TIME-OBS"),
        compound_ids=True,
        instruments=("camera",),
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


def observatory_of_instrument(instrument: str) -> Observatory | None:
    """Return the observatory owning ``instrument`` (any case, fixers applied), or None."""
    name = instrument.strip().lower()
    for obs in OBSERVATORIES.values():
        fixed = {k.lower(): v.lower() for k, v in obs.instrument_fixers.items()}.get(name, name)
        if fixed in obs.instruments:
            return obs
    return None


def fix_instrument(instrument: str) -> str:
    """Return the standard lower-case name of ``instrument`` (``WFII`` -> ``wfpc2``)."""
    name = instrument.strip().lower()
    for obs in OBSERVATORIES.values():
        for old, new in obs.instrument_fixers.items():
            if name == old.lower():
                return new.lower()
    return name


#: Keywords naming a dataset's instrument, tried in this order (the first defined,
#: not UNDEFINED, wins), whatever the observatory: saves may mix naming styles.
INSTRUMENT_KEYWORDS: tuple[str, ...] = (
    "INSTRUME", "META.INSTRUMENT.NAME", "META_INSTRUMENT_NAME", "INSTRUMENT",
    "ROMAN.META.INSTRUMENT.NAME", "META.INSTRUMENT.TYPE", "META_INSTRUMENT_TYPE",
)
