"""A small served HST cache for sync tests: two contexts of real rules with small real references.

``hst_0001.pmap`` and ``hst_0002.pmap`` are written here (valid sha1sums) and name
real instrument rules of the test cache (COS by default: hst_0001 uses the
imap hst_0700.pmap used, hst_0002 the one of hst_0729.pmap). Every reference
those rules name is written as a small real FITS file (a primary header and a
few bytes of data, different for each file), so a sync has something to fetch.
"""
from __future__ import annotations

import pprint
import re
import shutil
from pathlib import Path

import numpy as np
from astropy.io import fits

from crds_batch.rules.parsing import mapping_checksum
from crds_batch.tools import mapping_tree
from tests.conftest import CACHE

SOURCE_CONTEXTS = {"hst_0001.pmap": "hst_0700.pmap", "hst_0002.pmap": "hst_0729.pmap"}
OLD_CONTEXT, NEW_CONTEXT = "hst_0001.pmap", "hst_0002.pmap"


def _imaps(source_pmap: str, instruments: tuple[str, ...]) -> dict[str, str]:
    text = (CACHE / "mappings" / "hst" / source_pmap).read_text()
    found = dict(re.findall(r"'([A-Z0-9]+)' : '(hst_\w+\.imap)'", text))
    return {name.upper(): found[name.upper()] for name in instruments}


def pmap_text(name: str, derived_from: str, imaps: dict[str, str]) -> str:
    def render(sha1: str) -> str:
        header = {"derived_from": derived_from, "mapping": "PIPELINE", "name": name, "observatory": "HST",
                  "parkey": ("INSTRUME",), "sha1sum": sha1}
        lines = ["header = {"] + [f"    {k!r} : {v!r}," for k, v in sorted(header.items())] + ["}", "",
                                                                                          "selector = {"]
        lines += [f"    {k!r} : {v!r}," for k, v in sorted(imaps.items())] + ["}", ""]
        return "\n".join(lines)
    return render(mapping_checksum(render("")))


def write_reference(path: Path, instrument: str) -> None:
    """A small real FITS reference (primary header + 8 bytes of data unique to the name)."""
    data = np.frombuffer(path.name.encode().ljust(8, b"_")[:8], dtype=np.uint8).copy()
    hdu = fits.PrimaryHDU(data)
    hdu.header["INSTRUME"] = instrument.upper()
    hdu.header["FILENAME"] = path.name
    hdu.writeto(path)


def build_cache(root: Path, instruments: tuple[str, ...] = ("cos",), contexts=SOURCE_CONTEXTS,
                operational: str = NEW_CONTEXT) -> Path:
    """Write the served cache under ``root`` (flat references) and return it."""
    mappings = root / "mappings" / "hst"
    references = root / "references" / "hst"
    config = root / "config" / "hst"
    for directory in (mappings, references, config):
        directory.mkdir(parents=True, exist_ok=True)
    previous = "hst.pmap"
    for name, source in contexts.items():
        imaps = _imaps(source, instruments)
        (mappings / name).write_text(pmap_text(name, previous, imaps))
        previous = name
        for imap in imaps.values():
            for mapping in mapping_tree.mapping_names(imap):
                if not (mappings / mapping).exists():
                    shutil.copy(CACHE / "mappings" / "hst" / mapping, mappings / mapping)
            for reference in mapping_tree.reference_names(imap):
                if not (references / reference).exists():
                    write_reference(references / reference, imap.split("_")[1])
    raw = {"observatory": "hst", "operational_context": operational, "latest_context": operational,
           "edit_context": operational, "versions_context": "",
           "context_history": [[f"2026-01-{i + 1:02d} 00:00:00", name, "test context"]
                               for i, name in reversed(list(enumerate(contexts)))],
           "bad_files_list": [], "mappings": [], "force_remote_mode": 0}
    (config / "server_config").write_text(pprint.pformat(raw))
    (config / "ref_cache_subdir_mode").write_text("flat")
    return root


def set_operational(root: Path, context: str) -> None:
    """Make ``context`` the served operational context (the server reads its config live)."""
    path = root / "config" / "hst" / "server_config"
    import ast
    raw = ast.literal_eval(path.read_text())
    raw.update(operational_context=context, latest_context=context, edit_context=context)
    path.write_text(pprint.pformat(raw))


def set_bad_files(root: Path, names: list[str]) -> None:
    path = root / "config" / "hst" / "server_config"
    import ast
    raw = ast.literal_eval(path.read_text())
    raw["bad_files_list"] = sorted(names)
    path.write_text(pprint.pformat(raw))


def write_asdf_reference(path: Path, instrument: str) -> None:
    """A small real ASDF reference (Roman metadata + 8 bytes of data unique to the name)."""
    import asdf

    data = np.frombuffer(path.name.encode().ljust(8, b"_")[:8], dtype=np.uint8).copy()
    tree = {"roman": {"meta": {"instrument": {"name": instrument.upper()}, "filename": path.name}, "data": data}}
    asdf.AsdfFile(tree).write_to(path)


def build_roman_cache(root: Path) -> Path:
    """Every Roman mapping and config file of the test cache, and an ASDF file for every reference they name."""
    for component in ("mappings", "config"):
        shutil.copytree(CACHE / component / "roman", root / component / "roman")
    references = root / "references" / "roman"
    references.mkdir(parents=True)
    for pmap in sorted((root / "mappings" / "roman").glob("*.pmap")):
        for reference in mapping_tree.reference_names(str(pmap)):
            if not (references / reference).exists():
                write_asdf_reference(references / reference, reference.split("_")[1])
    return root
