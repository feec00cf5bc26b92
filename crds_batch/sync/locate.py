"""Where a synced file goes in the cache, as crds 13.2.7 places it.

Mappings: ``mappings/<obs>/<name>``. References: ``references/<obs>/<name>``
(``flat``) or ``references/<obs>/<instrument>/<name>`` (``instrument``), the
instrument read off the name alone (crds's ``locate_file``): a new-style name
``<obs>_<instrument>_...``, or for HST a CDBS name whose last character
before the first ``_`` codes the instrument (``...l_spot.fits`` is COS) and
whose ``syn``/``th`` suffix means synphot. In ``instrument`` mode crds also
links the HST IRAF prefix directory to the instrument one (``lref -> cos``),
so ``lref$`` names resolve in the cache; synphot gets no link.
A name whose instrument cannot be read goes to the flat directory (crds
would read the header of a file it has not fetched yet, and fail).
With ``--output-dir`` every file goes flat into that directory.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ..cache.paths import CachePaths
from ..cache.server_config import is_mapping_name
from ..observatories import OBSERVATORIES

SUBDIR_MODE_FILE = "ref_cache_subdir_mode"
SUBDIR_MODES = ("flat", "instrument")
#: crds: a cache without the mode file and more than this many entries in references/<obs> is "flat".
FLAT_GUESS_ENTRIES = 20

#: CDBS file names: the last character before the first "_" codes the instrument (crds.hst.siname).
CDBS_INSTRUMENT_CODES = {"j": "acs", "o": "stis", "n": "nicmos", "u": "wfpc2", "i": "wfc3", "l": "cos",
                         "m": "synphot"}
SYNPHOT_SUFFIXES = ("syn", "th")
#: The instrument directories (and IRAF-prefix links) crds's HST locator makes when it lists the cached
#: references of an ``instrument`` cache (``--purge-references``): every CDBS instrument but synphot.
LISTED_INSTRUMENTS = {"hst": ("acs", "cos", "nicmos", "stis", "wfc3", "wfpc2")}


def reference_instrument(name: str, observatory: str) -> str | None:
    """The instrument directory of reference ``name`` (lower case), or None when the name does not say."""
    obs = OBSERVATORIES.get(observatory)
    parts = re.split(r"[_.]", os.path.basename(name).lower())
    if obs and len(parts) > 2 and parts[0] == observatory and parts[1] in obs.instruments:
        return parts[1]
    if observatory == "hst":
        if any(part in SYNPHOT_SUFFIXES for part in parts[-2:]):
            return "synphot"
        return CDBS_INSTRUMENT_CODES.get(parts[0][-1:]) if parts[0] else None
    return None


@dataclass(frozen=True)
class Placement:
    """Where files go: the cache of ``observatory`` (mode from its config), or one flat ``output_dir``."""

    observatory: str
    paths: CachePaths
    subdir_mode: str = "instrument"
    output_dir: str | None = None

    def mapping_path(self, name: str) -> str:
        return os.path.join(self.output_dir or self.paths.mappings, name)

    def reference_dir(self, name: str) -> str:
        if self.output_dir:
            return self.output_dir
        instrument = reference_instrument(name, self.observatory) if self.subdir_mode == "instrument" else None
        return os.path.join(self.paths.references, instrument) if instrument else self.paths.references

    def path(self, name: str) -> str:
        return self.mapping_path(name) if is_mapping_name(name) else os.path.join(self.reference_dir(name), name)

    def make_listed_instrument_dirs(self) -> None:
        """What crds leaves behind when it lists an ``instrument`` cache's references (see LISTED_INSTRUMENTS)."""
        if self.output_dir or self.subdir_mode != "instrument":
            return
        instruments = LISTED_INSTRUMENTS.get(self.observatory, ())
        names = [f"{self.observatory}_{instrument}_x.fits" for instrument in instruments]
        for name in names:
            os.makedirs(self.reference_dir(name), exist_ok=True)
        for link, target in self.legacy_links(names).items():
            if not os.path.lexists(link):
                os.symlink(target, link)

    def legacy_links(self, names) -> dict[str, str]:
        """``{link path: instrument directory}`` crds makes for the HST instruments of ``names``."""
        if self.output_dir or self.subdir_mode != "instrument" or self.observatory != "hst":
            return {}
        prefixes = OBSERVATORIES["hst"].reference_prefixes
        links = {}
        for name in names:
            instrument = reference_instrument(name, "hst")
            prefix = prefixes.get((instrument or "").upper())
            if instrument and instrument != "synphot" and prefix:
                links[os.path.join(self.paths.references, prefix.rstrip("$"))] = \
                    os.path.join(self.paths.references, instrument)
        return links


def current_subdir_mode(paths: CachePaths) -> tuple[str, bool]:
    """``(mode, recorded)``: the cache's reference layout and whether its config file says so.

    Without the file, crds guesses: ``flat`` when references/<obs> holds more than 20 entries, else
    ``instrument`` (and records the guess)."""
    try:
        with open(os.path.join(paths.config, SUBDIR_MODE_FILE)) as handle:
            mode = handle.read().strip()
        if mode in SUBDIR_MODES:
            return mode, True
    except OSError:
        pass
    try:
        entries = sum(1 for entry in os.listdir(paths.references) if not entry.startswith("."))
    except OSError:
        entries = 0
    return ("flat" if entries > FLAT_GUESS_ENTRIES else "instrument"), False
