"""JWST bare FITS keywords <-> ``META.*`` names, and ASDF ``meta`` trees -> ``META.*`` names.

The pairs are data (:mod:`.keyword_data`); this module only indexes them.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from typing import Any

from .keyword_data import JWST_META_ONLY, JWST_PARAMETER_KEYWORDS, JWST_REFERENCE_KEYWORDS

#: META name -> FITS keyword (parameters and prior reference assignments).
META_TO_FITS: dict[str, str] = {
    **JWST_PARAMETER_KEYWORDS,
    **{f"META.REF_FILE.{rtype}.NAME": key for rtype, key in JWST_REFERENCE_KEYWORDS.items()},
}
#: FITS keyword -> META name.
FITS_TO_META: dict[str, str] = {fits: meta for meta, fits in META_TO_FITS.items()}
#: FITS keywords recording a prior reference assignment (R_DARK...).
REFERENCE_FITS_KEYWORDS: frozenset[str] = frozenset(JWST_REFERENCE_KEYWORDS.values())

#: Every META name the JWST rules select on.
JWST_RULE_KEYWORDS: tuple[str, ...] = tuple(sorted({*JWST_PARAMETER_KEYWORDS, *JWST_META_ONLY}))


def fits_to_meta(keyword: str) -> str | None:
    """Return the ``META.*`` name of bare FITS ``keyword``, or None if the rules do not use it."""
    return FITS_TO_META.get(keyword.upper())


def meta_to_fits(name: str) -> str | None:
    """Return the bare FITS keyword of ``META.*`` ``name``, or None."""
    return META_TO_FITS.get(name.upper())


def jwst_fits_parameters(header: Mapping[str, str]) -> dict[str, str]:
    """Rename the bare FITS keywords of a JWST header to their ``META.*`` names.

    Keywords with no META name are kept as they are; a META name already in
    the header is not overwritten (the first value wins, as in a FITS union).
    Recorded reference assignments (``R_DARK``...) are kept under both names:
    crds's header of a FITS file has both, and ``--compare-source-bestrefs``
    reads the FITS keyword.
    """
    result: dict[str, str] = {}
    for key, value in header.items():
        name = FITS_TO_META.get(key, key)
        result.setdefault(name, value)
        if key in REFERENCE_FITS_KEYWORDS:
            result.setdefault(key, value)
    return result


def flatten_meta(tree: Mapping[str, Any], prefix: str) -> dict[str, str]:
    """Flatten an ASDF metadata tree into ``PREFIX.KEY.SUBKEY`` -> string parameters.

    Values become the strings crds sees when it loads an ASDF header: scalars
    through ``str()``, lists as tuples of those, dates as ISO ``YYYY-MM-DDTHH:MM:SS``.
    Arrays and other objects are not parameters and are left out.
    """
    return dict(_flatten(tree, prefix.upper()))


def _flatten(tree: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, str]]:
    for key, value in tree.items():
        if not isinstance(key, str):
            continue
        name = f"{prefix}.{key.upper()}"
        if isinstance(value, Mapping):
            yield from _flatten(value, name)
        else:
            simple = _simple(value)
            if simple is not None:
                yield name, str(simple)


def _simple(value: Any) -> Any:
    if isinstance(value, (str, int, float, complex)):
        return str(value)
    if isinstance(value, (list, tuple)):
        items = tuple(_simple(item) for item in value)
        return None if None in items else items
    if isinstance(value, datetime.datetime):
        # crds formats through its date parser: microseconds only when non-zero.
        return value.isoformat("T")
    try:
        from astropy.time import Time
    except ImportError:  # pragma: no cover - astropy is a dependency
        return None
    if isinstance(value, Time):
        # crds keeps whole seconds of the UTC time for astropy Times.
        return value.utc.strftime("%Y-%m-%dT%H:%M:%S")
    return None
