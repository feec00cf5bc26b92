#!/usr/bin/env python
"""Regenerate crds_batch/observatories/hst_synphot.json from an installed crds.

crds's SYNPHOT certify checks (lookup-table FILENAME prefixes and
parametrization, throughput parametrization, component file names) rest on
facts about synphot component names that crds keeps in
``crds.misc.synphot.utils``: which instrument a component name belongs to
(name prefixes, tried in order), which components are parametrized and by
which column prefix, the file-name suffixes of the throughput and thermal
types. This script asks the installed crds for them and writes them as data;
crds_batch reads the JSON and never imports crds.

Usage::

    python scripts/regenerate_synphot_rules.py
"""
from __future__ import annotations

import json
import os

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "crds_batch", "observatories",
                   "hst_synphot.json")


def synphot_rules() -> dict:
    import crds
    from crds.misc.synphot import utils

    return {
        "provenance": {
            "crds_version": crds.__version__,
            "source": "crds.misc.synphot.utils (component instruments, parametrized components, file suffixes)",
            "generated_by": "scripts/regenerate_synphot_rules.py",
        },
        "instrument_prefixes": list(utils._HST_INSTRUMENTS),
        "nicmos_prefixes": sorted(utils._NICMOS_COMPONENT_PREFIXES),
        "ota_components": sorted(utils._OTA_COMPONENTS),
        "other_instrument": utils._NON_HST_INSTRUMENT,
        "parametrized_by_last_word": sorted(utils._ACS_PARAMETRIZED_COMPONENTS),
        "parametrized_by_mjd": sorted(utils._COS_PARAMETRIZED_COMPONENTS),
        "parametrized_by_cont": sorted(utils._WFPC2_PARAMETRIZED_COMPONENTS),
        "parametrized_other": dict(sorted(utils._MISC_PARAMETRIZED_COMPONENTS.items())),
        "component_suffixes": {utils.THROUGHPUT_REFTYPE: utils.THROUGHPUT_FILENAME_SUFFIX,
                               utils.THERMAL_REFTYPE: utils.THERMAL_FILENAME_SUFFIX},
    }


def main() -> None:
    with open(OUT + ".tmp", "w") as handle:
        json.dump(synphot_rules(), handle, indent=1, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(OUT + ".tmp", OUT)
    print(OUT)


if __name__ == "__main__":
    main()
