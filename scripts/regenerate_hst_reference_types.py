#!/usr/bin/env python
"""Regenerate crds_batch/observatories/hst_reference_types.json from an installed crds.

crds keeps, per HST instrument and reference type, a "spec" file
(``crds/hst/specs/<instrument>_<type>.spec``, a Python-literal dict). certify
uses two facts from them (SYNPHOT's types are spec'd as rmap headers,
``synphot_<type>.rmap``; their ``header`` dict is read the same way): ``filetype`` (the reference's FILETYPE header value
that names its type) and ``unique_rowkeys`` (the table columns whose values
make a row's "mode", for the table mode checks); ``uniqname`` uses ``suffix``
(the CDBS file name suffix of the type, ``drk`` for darkfile). This script reads those files
as data (``ast.literal_eval``; crds is not imported) and writes
``{instrument: {type: {"filetype": ..., "unique_rowkeys": [...], "suffix": ...}}}``.

Usage::

    python scripts/regenerate_hst_reference_types.py [CRDS_HST_DIR] > crds_batch/observatories/hst_reference_types.json
"""
from __future__ import annotations

import ast
import importlib.util
import json
import os
import sys


def _default_dir() -> str:
    spec = importlib.util.find_spec("crds")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("crds is not installed: pass the crds/hst directory")
    return os.path.join(list(spec.submodule_search_locations)[0], "hst")


def main(argv: list[str]) -> int:
    hst_dir = argv[1] if len(argv) > 1 else _default_dir()
    specs = os.path.join(hst_dir, "specs")
    types: dict[str, dict[str, dict]] = {}
    for name in sorted(os.listdir(specs)):
        stem, extension = os.path.splitext(name)
        if extension not in (".spec", ".rmap") or "_" not in stem:
            continue
        instrument, filekind = stem.split("_", 1)
        with open(os.path.join(specs, name)) as handle:
            text = handle.read()
        if extension == ".rmap":  # header = {...} then selector = ...: the header's dict literal only
            text = text.split("=", 1)[1].split("\nselector")[0]
        spec = ast.literal_eval(text.strip())
        types.setdefault(instrument, {})[filekind] = {
            "filetype": str(spec.get("filetype", "")).lower(),
            "unique_rowkeys": list(spec.get("unique_rowkeys") or []),
            "suffix": str(spec.get("suffix", "")),
        }
    out = {"source": "crds/hst/specs/*.spec of crds 13.2.7 (filetype, unique_rowkeys, suffix)", "types": types}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
