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

Usage::

    python scripts/regenerate_reference_constraints.py [hst jwst roman]
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
    for observatory in argv[1:] or ["hst", "jwst", "roman"]:
        print(write(observatory))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
