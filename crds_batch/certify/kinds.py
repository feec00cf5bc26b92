"""What kind of CRDS file a name is: from its extension (as crds's config decides), else from its content.

:func:`file_format` reads the name only. :func:`detect_format` is what
certify uses, as crds's ``get_filetype``: the extension when it is one crds
knows (``.fits``, ``.yaml``, ``.json``, ``.asdf``, ``.txt``, GEIS
``.rNh``/``.rNd``, mappings; case matters), otherwise the content: ``#ASDF``
starts an ASDF file, ``SIMPL`` a FITS file (GEIS when every line is 80
characters), then whatever parses as JSON, then as YAML (which plain text
usually does), else ``unknown``.
"""
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


#: crds's extension rules: exact (case-sensitive) name endings.
_CRDS_EXTENSIONS = ((".fits", "fits"), (".yaml", "yaml"), (".json", "json"), (".asdf", "asdf"), (".txt", "text"))
_CRDS_GEIS = re.compile(r".*\.r[0-9][hd]$")


def detect_format(path: str) -> str:
    """``mapping``, ``fits``, ``asdf``, ``json``, ``yaml``, ``geis``, ``text`` or ``unknown``, as crds decides."""
    name = os.path.basename(path)
    if is_mapping(name):
        return "mapping"
    for ending, kind in _CRDS_EXTENSIONS:
        if name.endswith(ending):
            return kind
    if _CRDS_GEIS.match(name):
        return "geis"
    try:
        return _format_by_content(path)
    except (OSError, UnicodeDecodeError):
        return "unknown"


def _format_by_content(path: str) -> str:
    with open(path, "rb") as handle:
        start = handle.read(5).decode("utf-8")
        if start == "#ASDF":
            return "asdf"
        if start == "SIMPL":
            first_card = start + handle.read(76).decode("utf-8")
            if first_card[-1:] != "\n":
                return "fits"
            lines = (first_card + handle.read().decode("utf-8")).splitlines()
            return "geis" if {len(line) for line in lines} == {80} else "fits"
    import json

    try:
        with open(path, encoding="utf-8") as handle:
            json.load(handle)
        return "json"
    except (ValueError, OSError):
        pass
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            yaml.safe_load(handle)
        return "yaml"
    except (yaml.YAMLError, ValueError, OSError):
        return "unknown"


def is_reference(name: str) -> bool:
    return file_format(name) not in ("mapping", "unknown")


def shown_name(path: str) -> str:
    """A command-line file name as crds shows it: ``./`` before a bare name."""
    return path if os.path.dirname(path) else "./" + path
