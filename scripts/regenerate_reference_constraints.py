#!/usr/bin/env python
"""Regenerate crds_batch/observatories/<obs>_constraints.json from an installed crds.

crds keeps the keyword constraints of reference files in ``.tpn`` files
(``crds/<obs>/tpns/``): for a reference (``tpn``) or an rmap's match values
(``ld_tpn``), one row per keyword, table column, array or expression:
``NAME KEYTYPE DATATYPE PRESENCE VALUES``. Which files apply to an instrument
and type (the type's own, its instrument's ``all``, ``all`` of its type and
``all_all``) is decided by crds's type specs. This script asks the installed
crds for those facts (``TYPES.get_all_tpn_paths`` and ``generic_tpn.get_tpninfos``,
which resolve ``include`` and ``replace`` lines) and writes them as data::

    {"provenance": {...},
     "files": {"acs_bia.tpn": [[NAME, KEYTYPE, DATATYPE, PRESENCE, [VALUE...]], ...], ...},
     "types": {"acs": {"biasfile": {"tpn": ["acs_bia.tpn", ...], "ld_tpn": [...]}}}}

crds_batch reads the JSON at run time and never imports crds; this script does.

It also writes ``reference_keywords.json``: how crds names a JWST/Roman
reference's header keywords when it certifies one (``crds.io.abstract``
cross-strapping): the JWST data-model path <-> FITS keyword pairs crds reads
off the core data-model schema (``crds.jwst.schema._get_dm_to_fits``, needs
stdatamodels), crds's explicit JWST synonyms
(``crds.jwst.locate.CROSS_STRAPPED_KEYWORDS``), each observatory's
provenance keywords (``crds.<obs>.PROVENANCE_KEYWORDS``) and the pattern
keyword translations of ``crds.<obs>.locate.reference_keys_to_dataset_keys``
(a local table there, so kept below as a literal copied from crds 13.2.7).

Usage::

    python scripts/regenerate_reference_constraints.py [hst jwst roman keywords]
"""
from __future__ import annotations

import importlib
import json
import os
import sys

FIELDS = ("tpn", "ld_tpn")
OUT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "crds_batch", "observatories")


def constraints_of(observatory: str) -> dict:
    import crds
    from crds.core import generic_tpn

    locate = importlib.import_module(f"crds.{observatory}.locate")
    types_object = locate.TYPES
    files: dict[str, list] = {}
    types: dict[str, dict] = {}
    for instrument in sorted(types_object.unified_defs):
        for filekind in sorted(types_object.unified_defs[instrument]):
            entry = {}
            for field in FIELDS:
                names = []
                for path in types_object.get_all_tpn_paths(instrument, filekind, field):
                    if not os.path.exists(path):
                        continue
                    name = os.path.basename(path)
                    names.append(name)
                    if name not in files:
                        files[name] = [[info.name, info.keytype, info.datatype, info.presence, list(info.values)]
                                       for info in generic_tpn.get_tpninfos(path)]
                entry[field] = names
            types.setdefault(instrument, {})[filekind] = entry
    return {
        "provenance": {
            "crds_version": crds.__version__,
            "source": f"crds/{observatory}/tpns/*.tpn (include and replace lines resolved by crds.core.generic_tpn), "
                      f"assigned to instruments and types by crds.{observatory}.locate.TYPES",
            "generated_by": "scripts/regenerate_reference_constraints.py",
            "tpn_files": sorted(files),
        },
        "files": files,
        "types": types,
    }


#: crds 13.2.7 ``reference_keys_to_dataset_keys``: reference pattern keyword -> dataset keyword (a local
#: dict in crds, so not importable). Roman's ``{prefix}`` is ``META`` for parameter (``pars-``) rmaps, else
#: ``ROMAN.META``.
PATTERN_TRANSLATIONS = {
    "jwst": {
        "META.EXPOSURE.P_EXPTYPE": "META.EXPOSURE.TYPE", "P_EXP_TY": "META.EXPOSURE.TYPE",
        "META.INSTRUMENT.P_BAND": "META.INSTRUMENT.BAND", "P_BAND": "META.INSTRUMENT.BAND",
        "META.INSTRUMENT.P_DETECTOR": "META.INSTRUMENT.DETECTOR", "P_DETECT": "META.INSTRUMENT.DETECTOR",
        "META.INSTRUMENT.P_CHANNEL": "META.INSTRUMENT.CHANNEL", "P_CHANNE": "META.INSTRUMENT.CHANNEL",
        "META.INSTRUMENT.P_FILTER": "META.INSTRUMENT.FILTER", "P_FILTER": "META.INSTRUMENT.FILTER",
        "META.INSTRUMENT.P_PUPIL": "META.INSTRUMENT.PUPIL", "P_PUPIL": "META.INSTRUMENT.PUPIL",
        "META.INSTRUMENT.P_MODULE": "META.INSTRUMENT.MODULE", "P_MODULE": "META.INSTRUMENT.MODULE",
        "META.SUBARRAY.P_SUBARRAY": "META.SUBARRAY.NAME", "P_SUBARR": "META.SUBARRAY.NAME",
        "META.INSTRUMENT.P_GRATING": "META.INSTRUMENT.GRATING", "P_GRATIN": "META.INSTRUMENT.GRATING",
        "META.EXPOSURE.PREADPATT": "META.EXPOSURE.READPATT", "META.EXPOSURE.P_READPATT": "META.EXPOSURE.READPATT",
        "P_READPA": "META.EXPOSURE.READPATT",
        "META.INSTRUMENT.PCORONAGRAPH": "META.INSTRUMENT.CORONAGRAPH", "P_CORONM": "META.INSTRUMENT.CORONAGRAPH",
    },
    "roman": {
        "{prefix}.EXPOSURE.P_EXPTYPE": "{prefix}.EXPOSURE.TYPE",
        "{prefix}.INSTRUMENT.P_DETECTOR": "{prefix}.INSTRUMENT.DETECTOR",
        "{prefix}.INSTRUMENT.P_OPTICAL_ELEMENT": "{prefix}.INSTRUMENT.OPTICAL_ELEMENT",
    },
}


def reference_keywords() -> dict:
    """How crds names JWST/Roman reference keywords when it certifies them."""
    import crds
    import stdatamodels
    from crds.jwst import locate as jwst_locate
    from crds.jwst import schema

    return {
        "provenance": {
            "crds_version": crds.__version__,
            "stdatamodels_version": stdatamodels.__version__,
            "generated_by": "scripts/regenerate_reference_constraints.py keywords",
            "source": {
                "jwst_dm_to_fits": "crds.jwst.schema._get_dm_to_fits() (fits_keyword of the stdatamodels core "
                                   "schema, JwstDataModel)",
                "jwst_cross_strapped": "crds.jwst.locate.CROSS_STRAPPED_KEYWORDS",
                "provenance_keywords": "crds.<observatory>.PROVENANCE_KEYWORDS",
                "pattern_translations": "crds.<observatory>.locate.reference_keys_to_dataset_keys (13.2.7, literal)",
            },
        },
        "jwst_dm_to_fits": {key: value for key, value in sorted(schema._get_dm_to_fits().items())},
        "jwst_cross_strapped": {key: list(value) for key, value in jwst_locate.CROSS_STRAPPED_KEYWORDS.items()},
        "provenance_keywords": {obs: list(importlib.import_module(f"crds.{obs}").PROVENANCE_KEYWORDS)
                                for obs in ("hst", "jwst", "roman")},
        "pattern_translations": PATTERN_TRANSLATIONS,
    }


def write_keywords() -> str:
    path = os.path.join(OUT_DIR, "reference_keywords.json")
    text = json.dumps(reference_keywords(), indent=1) + "\n"
    with open(path + ".tmp", "w") as handle:
        handle.write(text)
    os.replace(path + ".tmp", path)
    return path


def write(observatory: str) -> str:
    data = constraints_of(observatory)
    path = os.path.join(OUT_DIR, f"{observatory}_constraints.json")
    lines = ["{", f' "provenance": {json.dumps(data["provenance"], sort_keys=True)},', ' "files": {']
    names = sorted(data["files"])
    for number, name in enumerate(names):
        rows = data["files"][name]
        lines.append(f"  {json.dumps(name)}: [")
        lines += [f"   {json.dumps(row)}{',' if i < len(rows) - 1 else ''}" for i, row in enumerate(rows)]
        lines.append("  ]" + ("," if number < len(names) - 1 else ""))
    lines += [" },", f' "types": {json.dumps(data["types"], sort_keys=True)}', "}"]
    text = "\n".join(lines) + "\n"
    json.loads(text)
    with open(path + ".tmp", "w") as handle:
        handle.write(text)
    os.replace(path + ".tmp", path)
    return path


def main(argv: list[str]) -> int:
    for observatory in argv[1:] or ["hst", "jwst", "roman", "keywords"]:
        print(write_keywords() if observatory == "keywords" else write(observatory))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
