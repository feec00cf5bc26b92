"""Checks of an rmap's selectors against its header (crds's ``validate_selector``).

``classes`` in the header must name one selector class per ``parkey`` level.
(Match values legal for their parameters need the legal values per parameter,
crds's TPN constraint files, which are not yet re-expressed as data here.)
"""
from __future__ import annotations

from ..rules.parsing import ParsedMapping, SelectorCall
from .log import CertifyLog

#: The selector classes an rmap without a ``classes`` header has.
DEFAULT_CLASSES = ("Match", "UseAfter")


def check_match_values(parsed: ParsedMapping, log: CertifyLog, path: str) -> None:
    """Log crds's selector validation errors for ``parsed``."""
    selector = parsed.selector
    if not isinstance(selector, SelectorCall):
        return
    parkey = tuple(parsed.header.get("parkey", ()))
    classes = parsed.header.get("classes", DEFAULT_CLASSES)
    if len(parkey) != len(tuple(classes)):
        parameters = tuple(parkey[0]) if parkey else ()
        log.error(f"{selector.name}{parameters!r} : Length mismatch between rmap parkey: {str(parkey)!r} "
                  f"and rmap classes header fields {str(tuple(classes))!r}", path)
