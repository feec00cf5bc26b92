"""Build tiny CRDS caches with hand-written mappings (valid sha1sums) for rules real files don't exercise.

Both crds and crds_batch cache mappings by name, so every case uses unique names.
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path


def with_checksum(text: str) -> str:
    """Insert the CRDS mapping sha1sum (of the text without sha1sum lines) into ``header``."""
    body = "".join(line for line in text.splitlines(True) if "sha1sum" not in line)
    digest = hashlib.sha1(body.encode("utf-8")).hexdigest()
    return text.replace("header = {\n", f"header = {{\n    'sha1sum' : '{digest}',\n", 1)


def make_cache(root: Path, real_cache: Path, observatory: str = "hst") -> Path:
    (root / "mappings" / observatory).mkdir(parents=True, exist_ok=True)
    config = root / "config" / observatory
    if not config.exists():
        shutil.copytree(real_cache / "config" / observatory, config)
    return root


def write_case(root: Path, case: str, rmaps: dict[str, str], imap_extra: dict[str, str] | None = None,
               instrument: str = "ACS", observatory: str = "hst") -> str:
    """Write ``<obs>_<case>.pmap`` -> one imap -> ``rmaps`` {filekind: rmap body after the header}; return pmap name."""
    folder = root / "mappings" / observatory
    inst = instrument.lower()
    selections = {}
    for filekind, text in rmaps.items():
        name = f"{observatory}_{case}_{inst}_{filekind}.rmap"
        (folder / name).write_text(with_checksum(text.replace("@NAME@", name).replace("@FILEKIND@", filekind.upper())
                                                 .replace("@INSTRUMENT@", instrument)))
        selections[filekind] = name
    selections.update(imap_extra or {})
    imap = f"{observatory}_{case}_{inst}.imap"
    body = "".join(f"    '{k}' : '{v}',\n" for k, v in selections.items())
    (folder / imap).write_text(with_checksum(
        "header = {\n    'derived_from' : 'by hand',\n    'instrument' : '%s',\n    'mapping' : 'INSTRUMENT',\n"
        "    'name' : '%s',\n    'observatory' : '%s',\n    'parkey' : ('REFTYPE',),\n}\n\nselector = {\n%s}\n"
        % (instrument, imap, observatory.upper(), body)))
    pmap = f"{observatory}_{case}.pmap"
    key = "META.INSTRUMENT.NAME" if observatory == "jwst" else "INSTRUME"
    (folder / pmap).write_text(with_checksum(
        "header = {\n    'derived_from' : 'by hand',\n    'mapping' : 'PIPELINE',\n    'name' : '%s',\n"
        "    'observatory' : '%s',\n    'parkey' : ('%s',),\n}\n\nselector = {\n    '%s' : '%s',\n}\n"
        % (pmap, observatory.upper(), key, instrument, imap)))
    return pmap


def rmap(parkey: str, selector: str, extra_header: str = "") -> str:
    """rmap text with the usual header; ``@NAME@``/``@FILEKIND@``/``@INSTRUMENT@`` are filled by write_case."""
    return (
        "header = {\n    'derived_from' : 'by hand',\n    'filekind' : '@FILEKIND@',\n"
        "    'instrument' : '@INSTRUMENT@',\n    'mapping' : 'REFERENCE',\n    'name' : '@NAME@',\n"
        "    'observatory' : 'HST',\n    'parkey' : %s,\n%s}\n\nselector = %s\n" % (parkey, extra_header, selector)
    )
