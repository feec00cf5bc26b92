#!/usr/bin/env python
"""Regenerate crds_batch/observatories/substitutions.json from an installed crds.

crds keeps, per observatory, the header-value substitutions it applies to a
reference's header before inserting it into an rmap
(``crds/<observatory>/substitutions.dat``: a Python-literal dict
``{instrument: {parameter: {condition: expansion}}}``). When ``condition``
(a Python expression over the reference's header) holds, the parameter's
value is replaced by ``expansion`` (an or-pattern such as ``'A|ABCD|AD'``):
``CCDAMP = 'ANY'`` becomes the amplifiers the instrument has. This script
reads those files as data (``ast.literal_eval``; crds is not imported) and
writes ``{observatory: {instrument: {parameter: [[condition, expansion], ...]}}}``
with the conditions in the file's order (a later rule that holds wins).

Usage::

    python scripts/regenerate_substitutions.py [CRDS_PACKAGE_DIR] > crds_batch/observatories/substitutions.json
"""
from __future__ import annotations

import ast
import importlib.util
import json
import os
import sys

OBSERVATORIES = ("hst", "jwst", "roman")


def _default_dir() -> str:
    spec = importlib.util.find_spec("crds")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("crds is not installed: pass the crds package directory")
    return list(spec.submodule_search_locations)[0]


def main(argv: list[str]) -> int:
    package = argv[1] if len(argv) > 1 else _default_dir()
    rules: dict[str, dict] = {}
    for observatory in OBSERVATORIES:
        with open(os.path.join(package, observatory, "substitutions.dat")) as handle:
            literal = ast.literal_eval(handle.read())
        rules[observatory] = {
            instrument.lower(): {parameter.upper(): [[condition, expansion] for condition, expansion in cases.items()]
                                 for parameter, cases in parameters.items()}
            for instrument, parameters in literal.items()}
    out = {"source": "crds/{hst,jwst,roman}/substitutions.dat of crds 13.2.7", "substitutions": rules}
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
