"""crds certify's own checks of HST SYNPHOT references (its ``&SYNPHOT_*`` constraints).

- graph (TMG): every row reachable from INNODE 1 (``TMG contains disconnected
  rows at indexes: ...``), every row pointing forward (``INNODE >= OUTNODE``);
- lookup tables (TMC, TMT): each FILENAME starts with the IRAF directory of
  its COMPNAME's instrument (``cracscomp$``...) and ends with the
  parametrization suffix (``[mjd#]``...) exactly when the component is
  parametrized;
- throughput: first and last THROUGHPUT/``MJD#`` values 0.0 (warnings), a
  parametrized component with at least two parametrized columns, and the
  component file name (throughput and thermal): ``..._NNN_syn.fits`` /
  ``..._NNN_th.fits`` with a version above that of the file the comparison
  context selects for the same COMPNAME.

The last table HDU is the one checked, as crds checks it. Problems are plain
``ERROR``/``WARNING`` lines (crds logs them directly, not as tracked
constraint errors). The component facts are data:
``crds_batch/observatories/hst_synphot.json`` (``scripts/regenerate_synphot_rules.py``).
"""
from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from importlib import resources

from .log import CertifyLog


@lru_cache(maxsize=1)
def rules() -> dict:
    return json.loads(resources.files("crds_batch.observatories").joinpath("hst_synphot.json").read_text())


def component_instrument(component: str) -> str:
    """The synphot instrument (a superset of HST's) a component name belongs to."""
    facts, component = rules(), component.lower()
    for instrument in facts["instrument_prefixes"]:
        if component.startswith(instrument):
            return instrument
    if any(component.startswith(prefix) for prefix in facts["nicmos_prefixes"]):
        return "nicmos"
    if component in facts["ota_components"]:
        return "ota"
    return facts["other_instrument"]


def path_prefix(component: str) -> str:
    return f"cr{component_instrument(component)}comp$"


def parametrization_keyword(component: str) -> str | None:
    """The column prefix a parametrized component's values carry (``mjd#``...), None if not parametrized."""
    facts, component = rules(), component.lower()
    if component.endswith(("_mjd", "_m")):
        return "mjd#"
    if component.endswith("_aper"):
        return "aper#"
    if component in facts["parametrized_by_last_word"]:
        return component.split("_")[-1] + "#"
    if component in facts["parametrized_by_mjd"]:
        return "mjd#"
    if component in facts["parametrized_by_cont"]:
        return "cont#"
    return facts["parametrized_other"].get(component)


# The checks, by the constraint's special value -----------------------------------------------------------

def check_graph(path: str, header: dict, context: str | None, log: CertifyLog) -> None:
    graph = _last_table(path)
    innodes, outnodes = list(graph["INNODE"]), list(graph["OUTNODE"])
    reached, frontier = set(), [1]
    while frontier:
        node = frontier.pop()
        rows = [index for index, innode in enumerate(innodes) if innode == node and index not in reached]
        reached.update(rows)
        frontier.extend(outnodes[index] for index in rows)
    missing = set(range(len(innodes))) - reached
    if missing:
        log.error("TMG contains disconnected rows at indexes: " + ", ".join(str(index) for index in missing), path)
    if not all(innode < outnode for innode, outnode in zip(innodes, outnodes)):
        log.error("TMG contains rows with INNODE >= OUTNODE.", path)


def check_lookup(path: str, header: dict, context: str | None, log: CertifyLog) -> None:
    for index, row in enumerate(_last_table(path)):
        component, filename = row["COMPNAME"], row["FILENAME"]
        if filename.split("$")[0] + "$" != path_prefix(component):
            log.error(f"Malformed FILENAME value at index {index} (missing or invalid path prefix)", path)
        keyword = parametrization_keyword(component)
        if keyword is None and filename.endswith("]"):
            log.error(f"Malformed FILENAME value at index {index} (should not be parametrized)", path)
        elif keyword is not None and not filename.lower().endswith(f"[{keyword}]"):
            log.error(f"Malformed FILENAME value at index {index} (should be parametrized)", path)


def check_throughput(path: str, header: dict, context: str | None, log: CertifyLog) -> None:
    from astropy.io import fits

    with fits.open(path) as hdus:
        table, component = hdus[-1].data, hdus[0].header["COMPNAME"]
        for column in table.names:
            if column == "THROUGHPUT" or column.startswith("MJD#"):
                if not table[column][0] == 0.0:
                    log.warning(f"First value of column '{column}' is not 0.0", path)
                if not table[column][-1] == 0.0:
                    log.warning(f"Last value of column '{column}' is not 0.0", path)
        keyword = parametrization_keyword(component)
        if keyword is not None:
            count = len([name for name in table.names if name.lower().startswith(keyword)])
            if count < 2:
                log.error(f"Table is parametrized by {keyword}, but includes only {count} columns with that "
                          "prefix.", path)
    _check_component_filename(path, header, context, "thruput", log)


def check_thermal(path: str, header: dict, context: str | None, log: CertifyLog) -> None:
    _check_component_filename(path, header, context, "thermal", log)


CHECKS = {
    "&SYNPHOT_GRAPH": check_graph,
    "&SYNPHOT_LOOKUP": check_lookup,
    "&SYNPHOT_THROUGHPUT": check_throughput,
    "&SYNPHOT_THERMAL": check_thermal,
}


def _last_table(path: str):
    from astropy.io import fits

    with fits.open(path) as hdus:
        data = hdus[-1].data
        return data.copy() if data is not None else data


def _check_component_filename(path: str, header: dict, context: str | None, filekind: str,
                              log: CertifyLog) -> None:
    """The file is ``..._NNN_<suffix>.fits`` and NNN exceeds that of the context's file for its COMPNAME."""
    component = str(header.get("COMPNAME", "")).lower()
    if not component:
        log.error("Header missing COMPNAME, unable to certify filename", path)
        return
    suffix = rules()["component_suffixes"][filekind]
    pattern = re.compile(r".*_([0-9]{3})_" + suffix + r".fits")
    found = pattern.match(os.path.basename(path))
    if not found:
        log.error(f"Invalid filename: must end in _###_{suffix}.fits", path)
        return
    if not context:
        return
    previous = _context_component_file(context, filekind, component)
    if previous is None:
        log.warning(f"No previous file exists for COMPNAME '{component}', skipping version check", path)
        return
    previous_found = pattern.match(os.path.basename(previous))
    if not previous_found:
        log.warning(f"Previous filename '{previous}' does not end in _###_{suffix}.fits, skipping version check",
                    path)
        return
    new_version, old_version = int(found.group(1)), int(previous_found.group(1))
    if new_version <= old_version:
        log.error(f"New filename version ({new_version:03d}) must exceed previous version ({old_version:03d})",
                  path)


def _context_component_file(context: str, filekind: str, component: str) -> str | None:
    """The file the context's SYNPHOT rmap of ``filekind`` names first (in key order) for ``component``."""
    from ..tools.mapping_tree import load_parsed
    from .mappings import _selection

    imap = _selection(load_parsed(context), "SYNPHOT")
    rmap = _selection(load_parsed(imap), filekind) if imap else None
    if rmap is None:
        raise KeyError(f"No SYNPHOT {filekind} rules in {context}")
    selections = dict(load_parsed(rmap).selector.table)
    for key in sorted(selections, key=lambda key: key if isinstance(key, tuple) else (key,)):
        first = key[0] if isinstance(key, tuple) else key
        if str(first).lower() == component:
            return selections[key]
    return None
