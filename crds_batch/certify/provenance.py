"""``certify --dump-provenance``: the keywords that say where a reference comes from, as crds prints them.

The keywords dumped are the rmap's parameters, the keywords the type's
constraints name, and the observatory's provenance keywords (HST: DESCRIP,
COMMENT, PEDIGREE, USEAFTER, HISTORY; JWST: META.DESCRIPTION, META.PEDIGREE...;
data in ``crds_batch/observatories/reference_keywords.json``). Each FITS card
of one of them is an INFO line ``[HDU] KEY value comment`` (empty values and
table-format banners skipped); a keyword no card has (every keyword of an
ASDF, JSON or YAML file) is shown from the certified header (``KEY =
'value'``: dates derived from USEAFTER, ``'UNDEFINED'`` for a constrained
keyword the file lacks); a provenance keyword found nowhere is a warning
``Missing keyword 'KEY'.``.
"""
from __future__ import annotations

from ..observatories.reference_keywords import provenance_keywords
from .log import CertifyLog

_UNINTERESTING = ("", "*** end of mandatory fields ***", "*** column names ***", "*** column formats ***")


def interesting(value) -> bool:
    return str(value).strip().lower() not in _UNINTERESTING


def dump_provenance(path: str, header: dict, observatory: str, keys: set[str], log: CertifyLog,
                    fits: bool = True) -> None:
    """Log the provenance of the reference at ``path`` (``fits``: a FITS file, whose cards come first);
    ``header`` is the certified header, ``keys`` the rmap parameters and constrained keyword names."""
    provenance = provenance_keywords(observatory)
    wanted = sorted({key.upper() for key in keys} | set(provenance))
    unseen = set(wanted)
    if fits:
        _dump_cards(path, wanted, unseen, log)
    for key in sorted(unseen):
        value = header.get(key)
        if value is not None:
            if interesting(value):
                log.info(f"{key} = {value!r}")
            unseen.discard(key)
    for key in sorted(unseen):
        if key in provenance:
            log.warning(f"Missing keyword '{key}'.", path)


def _dump_cards(path: str, wanted: list[str], unseen: set[str], log: CertifyLog) -> None:
    from astropy.io import fits

    with fits.open(path) as hdus:
        for index, hdu in enumerate(hdus):
            for key in wanted:
                for card in hdu.header.cards:
                    if card.keyword == key:
                        if interesting(card.value):
                            log.info(f"[{index}] {key} {card.value} {card.comment}")
                        unseen.discard(key)
