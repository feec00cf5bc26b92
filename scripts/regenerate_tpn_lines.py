#!/usr/bin/env python
"""Regenerate crds_batch/observatories/<obs>_tpn_lines.json from an installed crds.

``crds list --tpns`` prints the text of the ``.tpn`` constraint files that apply
to a file: each file's lines as crds reads them (comments and blank lines
dropped, ``include`` and ``replace`` lines resolved, continued lines joined:
``crds.core.generic_tpn.load_tpn_lines``), whitespace kept. The parsed rows are
in ``<obs>_constraints.json`` (``scripts/regenerate_reference_constraints.py``);
this script keeps the lines as crds prints them (for the files that exist), and
each type's own constraint file names (its type spec's ``tpn`` and ``ld_tpn``), from
which the files of any instrument and type follow by crds's levels (the type's,
its instrument's ``all``, ``all`` of each dash-prefix of its type, ``all_all``)::

    {"provenance": {...},
     "keys": {"acs": {"biasfile": {"tpn": "acs_bia.tpn", "ld_tpn": "acs_bia_ld.tpn"}}, "all": {"all": {...}}},
     "lines": {"acs_bia.tpn": ["INSTRUME  H  C  R  ACS", ...], ...}}

crds_batch reads the JSON at run time and never imports crds; this script does.

Usage::

    python scripts/regenerate_tpn_lines.py [hst jwst roman]
"""
from __future__ import annotations

import importlib
import json
import os
import sys

OUT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "crds_batch", "observatories")


def tpn_lines_of(observatory: str) -> dict:
    import crds
    from crds.core import generic_tpn

    locate = importlib.import_module(f"crds.{observatory}.locate")
    tpn_dir = os.path.dirname(locate.tpn_path("x.tpn"))
    keys: dict[str, dict] = {}
    for instrument, kinds in sorted(locate.TYPES.unified_defs.items()):
        for filekind, spec in sorted(kinds.items()):
            own = {field: spec[field] for field in ("tpn", "ld_tpn") if spec.get(field)}
            if own:
                keys.setdefault(instrument, {})[filekind] = own
    names = sorted({name for kinds in keys.values() for own in kinds.values() for name in own.values()
                    if os.path.exists(os.path.join(tpn_dir, name))})
    return {
        "provenance": {
            "crds_version": crds.__version__,
            "source": f"crds/{observatory}/tpns/*.tpn read by crds.core.generic_tpn.load_tpn_lines; keys: the tpn "
                      f"and ld_tpn of crds.{observatory}.locate.TYPES.unified_defs (lines: those that exist)",
            "generated_by": "scripts/regenerate_tpn_lines.py",
        },
        "keys": keys,
        "lines": {name: generic_tpn.load_tpn_lines(os.path.join(tpn_dir, name)) for name in names},
    }


def write(observatory: str) -> str:
    data = tpn_lines_of(observatory)
    path = os.path.join(OUT_DIR, f"{observatory}_tpn_lines.json")
    lines = ["{", f' "provenance": {json.dumps(data["provenance"], sort_keys=True)},',
             f' "keys": {json.dumps(data["keys"], sort_keys=True)},', ' "lines": {']
    names = sorted(data["lines"])
    for number, name in enumerate(names):
        rows = data["lines"][name]
        lines.append(f"  {json.dumps(name)}: [")
        lines += [f"   {json.dumps(row)}{',' if i < len(rows) - 1 else ''}" for i, row in enumerate(rows)]
        lines.append("  ]" + ("," if number < len(names) - 1 else ""))
    lines += [" }", "}"]
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
