"""``certify --dump-provenance``: the keywords that say where a reference comes from, as crds prints them.

The keywords dumped are the rmap's parameters, the keywords the type's
constraints name, and the observatory's provenance keywords (HST: DESCRIP,
COMMENT, PEDIGREE, USEAFTER, HISTORY). Each FITS card of one of them is an
INFO line ``[HDU] KEY value comment`` (empty values and table-format
banners skipped); a keyword no card has is shown from the certified header
(``KEY = 'value'``: dates derived from USEAFTER, ``'UNDEFINED'`` for a
constrained keyword the file lacks); a provenance keyword found nowhere is a
warning ``Missing keyword 'KEY'.``. HST FITS references only.
"""
from __future__ import annotations

from .log import CertifyLog

#: Keywords crds dumps for every reference of the observatory (crds's PROVENANCE_KEYWORDS).
PROVENANCE_KEYWORDS = {"hst": ("DESCRIP", "COMMENT", "PEDIGREE", "USEAFTER", "HISTORY")}
_UNINTERESTING = ("", "*** end of mandatory fields ***", "*** column names ***", "*** column formats ***")


def interesting(value) -> bool:
    return str(value).strip().lower() not in _UNINTERESTING


def dump_provenance(path: str, header: dict, observatory: str, keys: set[str], log: CertifyLog) -> None:
    """Log the provenance of the FITS reference at ``path``; ``header`` is the certified header, ``keys`` the
    rmap parameters and constrained keyword names."""
    from astropy.io import fits

    provenance = PROVENANCE_KEYWORDS.get(observatory, ())
    wanted = sorted({key.upper() for key in keys} | set(provenance))
    unseen = set(wanted)
    with fits.open(path) as hdus:
        for index, hdu in enumerate(hdus):
            for key in wanted:
                for card in hdu.header.cards:
                    if card.keyword == key:
                        if interesting(card.value):
                            log.info(f"[{index}] {key} {card.value} {card.comment}")
                        unseen.discard(key)
    for key in sorted(unseen):
        value = header.get(key)
        if value is not None:
            if interesting(value):
                log.info(f"{key} = {value!r}")
            unseen.discard(key)
    for key in sorted(unseen):
        if key in provenance:
            log.warning(f"Missing keyword '{key}'.", path)
