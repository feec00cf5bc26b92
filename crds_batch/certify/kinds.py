"""What kind of CRDS file a name is, from its extension (as crds's config decides)."""
from __future__ import annotations

import os
import re

MAPPING_EXTENSIONS = (".pmap", ".imap", ".rmap")
#: Reference formats certify reads, by extension.
REFERENCE_FORMATS = {".fits": "fits", ".asdf": "asdf", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}
#: GEIS headers (HST ``*.r1h``, ``*.r4h``...) are references too.
_GEIS = re.compile(r"^\.r\dh$")


def is_mapping(name: str) -> bool:
    return name.endswith(MAPPING_EXTENSIONS)


def file_format(name: str) -> str:
    """``mapping``, ``fits``, ``asdf``, ``json``, ``yaml``, ``geis`` or ``unknown``."""
    if is_mapping(name):
        return "mapping"
    extension = os.path.splitext(name)[1].lower()
    if extension in REFERENCE_FORMATS:
        return REFERENCE_FORMATS[extension]
    if _GEIS.match(extension):
        return "geis"
    return "unknown"


def is_reference(name: str) -> bool:
    return file_format(name) not in ("mapping", "unknown")


def shown_name(path: str) -> str:
    """A command-line file name as crds shows it: ``./`` before a bare name."""
    return path if os.path.dirname(path) else "./" + path
