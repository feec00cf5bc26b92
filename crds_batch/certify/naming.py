"""Which of two file names is newer, by CRDS's naming conventions (crds's ``naming.newer``).

Time order comes from names alone: CRDS names (``hst_acs_darkfile_0042.fits``)
compare by extension rank then serial number; CDBS names (``s7g1700gl_dead.fits``,
older ones start with a letter, newer with a digit) and synphot master tables
(``..m_tmc.fits``) compare as text within their class, and a few cross-class
orders are fixed. Pairs crds cannot order give a warning and "not newer".
"""
from __future__ import annotations

import os
import re

from .log import CertifyLog

#: Name prefixes of CRDS-style names (crds's ALL_OBSERVATORIES).
OBSERVATORIES = ("hst", "jwst", "roman", "tobs")

_CLASSES = (
    ("oldsynphot", re.compile(r"^[A-Za-z][a-zA-Z0-9]{7}m_(tmc|tmg|tmt)\.[A-Za-z0-9]{1,6}$")),
    ("newsynphot", re.compile(r"^[0-9][a-zA-Z0-9]{7}m_(tmc|tmg|tmt)\.[A-Za-z0-9]{1,6}$")),
    ("oldcdbs", re.compile(r"^[A-Za-z][A-Za-z0-9]{8}_[A-Za-z0-9]{1,8}\.[A-Za-z0-9]{1,6}$")),
    ("newcdbs", re.compile(r"^[0-9][A-Za-z0-9]{8}_[A-Za-z0-9]{1,8}\.[A-Za-z0-9]{1,6}$")),
)

#: (class of name1, class of name2) -> how to order them: by text, by CRDS serial, or a fixed answer.
_ORDER = {
    ("crds", "crds"): "crds",
    ("oldcdbs", "oldcdbs"): "text", ("newcdbs", "newcdbs"): "text",
    ("oldsynphot", "oldsynphot"): "text", ("newsynphot", "newsynphot"): "text",
    ("crds", "oldcdbs"): True, ("oldcdbs", "crds"): False,
    ("newcdbs", "oldcdbs"): True, ("oldcdbs", "newcdbs"): False,
    ("newsynphot", "oldsynphot"): True, ("oldsynphot", "newsynphot"): False,
}

#: Extension ranks: GEIS oldest, then FITS, JSON, YAML, ASDF, anything else.
_EXTENSION_RANKS = ((re.compile(r"^\.r\d[hd]"), 0.0), (re.compile(r"^\.fits$"), 1.0), (re.compile(r"^\.json$"), 2.0),
                    (re.compile(r"^\.yaml$"), 3.0), (re.compile(r"^\.asdf$"), 4.0))


def classify_name(name: str, log: CertifyLog | None = None) -> str:
    if name == "N/A" or name.startswith(OBSERVATORIES):
        return "crds"
    for kind, pattern in _CLASSES:
        if pattern.match(name):
            return kind
    if log is not None:
        log.warning(f"Failed to classify name {name!r} for determining time order.")
    return "oldcdbs"  # a garbage name counts as oldest: replacing it is normal


def extension_rank(name: str) -> float:
    extension = os.path.splitext(name)[1]
    for pattern, rank in _EXTENSION_RANKS:
        if pattern.match(extension):
            return rank
    return 5.0


def serial(name: str) -> int:
    found = re.search(r"_(\d+)\.\w+", name)
    return int(found.group(1)) if found else -1


def newer(name1: str, name2: str, log: CertifyLog | None = None) -> bool:
    """True when ``name1`` names a more recent file than ``name2``."""
    name1 = name1 if name1 == "N/A" else os.path.basename(name1)
    name2 = name2 if name2 == "N/A" else os.path.basename(name2)
    order = _ORDER.get((classify_name(name1, log), classify_name(name2, log)), "unknown")
    if name1 == "N/A":
        return False
    if name2 == "N/A":
        return True
    if order == "crds":
        if extension_rank(name1) == extension_rank(name2):
            return serial(name1) > serial(name2)
        return extension_rank(name1) > extension_rank(name2)
    if order == "text":
        return name1 > name2
    if isinstance(order, bool):
        return order
    if log is not None:
        log.warning(f"Unhandled name comparison case:  {(classify_name(name1), classify_name(name2))!r}")
    return False
