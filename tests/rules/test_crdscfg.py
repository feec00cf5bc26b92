"""JWST type selection by SYSTEM CRDSCFG, against the crds oracle.

crds reads the CRDSCFG reference chosen by the context's ``system`` imap
``crdscfg`` rmap from the cache; no real context up to jwst_0541 has one (crds
then uses the copies bundled in its package, which we keep as a table: tested
on the real cache).  The rmap path is tested on a small cache: links to the
real JWST mappings, plus a context whose SYSTEM imap delivers a CRDSCFG rmap
and a YAML written here.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from crds_batch.api import getrecommendations
from crds_batch.rules import crdscfg
from crds_batch.rules.parsing import mapping_checksum

pytestmark = pytest.mark.oracle

CONTEXT = "jwst_9541.pmap"

# Our own small CRDSCFG, shaped like the delivered ones (types of NIRCAM and MIRI in jwst_0541).
CRDSCFG_YAML = """\
pipeline_exceptions:
    meta.visit.tsovisit:
       default_missing: F
       dont_replace: ["F", "FALSE", "NONE", "OFF"]
       calwebb_detector1.cfg: calwebb_tso1.cfg
    meta.instrument.lamp_state:
       do_replace: ["ON.*"]
       calwebb_image2.cfg: calwebb_lamp-image2.cfg
pipeline_cfgs_to_steps:
    calwebb_detector1.cfg: [dq_init, saturation, dark_current]
    calwebb_tso1.cfg: [dq_init, saturation]
    calwebb_image2.cfg: [flat_field, photom]
    calwebb_lamp-image2.cfg: [flat_field]
    calwebb_broken.cfg: [no_such_step]
steps_to_reftypes:
    dq_init: [mask]
    saturation: [saturation]
    dark_current: [dark]
    flat_field: [flat]
    photom: [photom, area]
exptypes_to_pipelines:
    NRC_IMAGE: [calwebb_detector1.cfg, calwebb_image2.cfg]
    MIR_IMAGE: [calwebb_detector1.cfg, calwebb_image2.cfg]
    NRC_DARK: [calwebb_detector1.cfg]
    NRC_BROKEN: [calwebb_broken.cfg]
    NRC_NOTHING: []
"""

CRDSCFG_RMAP = """\
header = {
    'classes' : ('Match',),
    'derived_from' : 'written by tests/rules/test_crdscfg.py',
    'filekind' : 'CRDSCFG',
    'filetype' : 'CRDSCFG',
    'instrument' : 'SYSTEM',
    'mapping' : 'REFERENCE',
    'name' : 'jwst_system_crdscfg_9001.rmap',
    'observatory' : 'JWST',
    'parkey' : (('META.CALIBRATION_SOFTWARE_VERSION',),),
    'sha1sum' : '0',
}

selector = Match({
    '1.12.5|1.13.0' : 'jwst_system_crdscfg_9001.yaml',
    '0.7.0' : 'jwst_system_crdscfg_9002.yaml',
})
"""


def _with_checksum(text: str) -> str:
    return re.sub(r"'sha1sum' : '[0-9a-f]*'", f"'sha1sum' : '{mapping_checksum(text)}'", text)


@pytest.fixture(scope="module")
def crdscfg_cache(cache_dir, tmp_path_factory):
    """A cache with the real JWST mappings plus jwst_9541.pmap delivering a SYSTEM CRDSCFG."""
    root = tmp_path_factory.mktemp("crdscfg_cache")
    mappings = root / "mappings" / "jwst"
    mappings.mkdir(parents=True)
    real = Path(cache_dir) / "mappings" / "jwst"
    for entry in os.scandir(real):
        os.symlink(entry.path, mappings / entry.name)
    shutil.copytree(Path(cache_dir) / "config" / "jwst", root / "config" / "jwst")
    references = root / "references" / "jwst" / "system"  # this cache's instrument-subdirectory layout
    references.mkdir(parents=True)
    (references / "jwst_system_crdscfg_9001.yaml").write_text(CRDSCFG_YAML)  # 9002 deliberately missing
    (mappings / "jwst_system_crdscfg_9001.rmap").write_text(_with_checksum(CRDSCFG_RMAP))
    imap = (real / "jwst_system_0018.imap").read_text()
    imap = imap.replace("'name' : 'jwst_system_0018.imap'", "'name' : 'jwst_system_9018.imap'")
    imap = imap.replace("'CALVER' :", "'CRDSCFG' : 'jwst_system_crdscfg_9001.rmap',\n    'CALVER' :")
    (mappings / "jwst_system_9018.imap").write_text(_with_checksum(imap))
    pmap = (real / "jwst_0541.pmap").read_text()
    pmap = pmap.replace("'name' : 'jwst_0541.pmap'", f"'name' : '{CONTEXT}'")
    pmap = pmap.replace("'jwst_system_0018.imap'", "'jwst_system_9018.imap'")
    (mappings / CONTEXT).write_text(_with_checksum(pmap))
    saved = os.environ["CRDS_PATH"]
    os.environ["CRDS_PATH"] = str(root)
    crdscfg.clear_cache()
    yield root
    os.environ["CRDS_PATH"] = saved
    crdscfg.clear_cache()


NIRCAM = {"META.INSTRUMENT.NAME": "NIRCAM", "META.INSTRUMENT.DETECTOR": "NRCA1", "META.INSTRUMENT.FILTER": "F200W",
          "META.INSTRUMENT.PUPIL": "CLEAR", "META.OBSERVATION.DATE": "2023-01-01",
          "META.OBSERVATION.TIME": "00:00:00", "META.SUBARRAY.NAME": "FULL", "META.EXPOSURE.READPATT": "RAPID"}
MIRI = {"META.INSTRUMENT.NAME": "MIRI", "META.INSTRUMENT.DETECTOR": "MIRIMAGE", "META.INSTRUMENT.FILTER": "F770W",
        "META.OBSERVATION.DATE": "2023-01-01", "META.OBSERVATION.TIME": "00:00:00", "META.SUBARRAY.NAME": "FULL"}

CASES = {
    "nircam image": dict(NIRCAM, **{"META.EXPOSURE.TYPE": "NRC_IMAGE", "META.CALIBRATION_SOFTWARE_VERSION": "1.12.5"}),
    "fits keywords": dict(NIRCAM, EXP_TYPE="NRC_IMAGE", CAL_VER="1.13.0"),
    "tso": dict(NIRCAM, **{"META.EXPOSURE.TYPE": "NRC_IMAGE", "META.CALIBRATION_SOFTWARE_VERSION": "1.12.5",
                           "META.VISIT.TSOVISIT": "T"}),
    "tso fits keyword": dict(NIRCAM, EXP_TYPE="NRC_IMAGE", CAL_VER="1.12.5", TSOVISIT="T"),
    "lamp fits keyword": dict(NIRCAM, EXP_TYPE="NRC_IMAGE", CAL_VER="1.12.5", LAMP="ON_X"),
    "tso false": dict(NIRCAM, **{"META.EXPOSURE.TYPE": "NRC_IMAGE", "META.CALIBRATION_SOFTWARE_VERSION": "1.12.5",
                                 "META.VISIT.TSOVISIT": "FALSE"}),
    "lamp on": dict(NIRCAM, **{"META.EXPOSURE.TYPE": "NRC_IMAGE", "META.CALIBRATION_SOFTWARE_VERSION": "1.12.5",
                               "META.INSTRUMENT.LAMP_STATE": "ON_LINE2"}),
    "dark": dict(NIRCAM, **{"META.EXPOSURE.TYPE": "NRC_DARK", "META.CALIBRATION_SOFTWARE_VERSION": "1.13.0"}),
    "miri": dict(MIRI, **{"META.EXPOSURE.TYPE": "MIR_IMAGE", "META.CALIBRATION_SOFTWARE_VERSION": "1.12.5"}),
    "unknown exp_type": dict(NIRCAM, **{"META.EXPOSURE.TYPE": "NRC_CORON",
                                        "META.CALIBRATION_SOFTWARE_VERSION": "1.12.5"}),
    "no exp_type": dict(NIRCAM, **{"META.CALIBRATION_SOFTWARE_VERSION": "1.12.5"}),
    "unknown step": dict(NIRCAM, **{"META.EXPOSURE.TYPE": "NRC_BROKEN", "META.CALIBRATION_SOFTWARE_VERSION": "1.12.5"}),
    "no pipelines": dict(NIRCAM, **{"META.EXPOSURE.TYPE": "NRC_NOTHING", "META.CALIBRATION_SOFTWARE_VERSION": "1.12.5"}),
    "missing reference file": dict(NIRCAM, **{"META.EXPOSURE.TYPE": "NRC_IMAGE",
                                              "META.CALIBRATION_SOFTWARE_VERSION": "0.7.0"}),
    "invalid version": dict(NIRCAM, **{"META.EXPOSURE.TYPE": "NRC_IMAGE", "META.CALIBRATION_SOFTWARE_VERSION": "junk"}),
    "no version": dict(NIRCAM, **{"META.EXPOSURE.TYPE": "NRC_IMAGE"}),
}
RESTRICTED = {"nircam image", "fits keywords", "tso fits keyword", "lamp fits keyword", "tso", "tso false", "lamp on", "dark", "miri"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_crdscfg_types_match_crds(crdscfg_cache, case):
    import crds

    parameters = CASES[case]
    expected = crds.getrecommendations(dict(parameters), context=CONTEXT, observatory="jwst")
    ours = getrecommendations(dict(parameters), CONTEXT)
    assert ours == expected
    everything = getrecommendations(dict(parameters), CONTEXT, reftypes=None)
    if case in RESTRICTED:
        assert 0 < len(ours) < 20, "the CRDSCFG should restrict the types"
    else:
        assert len(everything) > 20


def test_columnar_rows_choose_their_own_types(crdscfg_cache):
    """One table mixing restricted and unrestricted JWST rows: each row gets its own types."""
    import pandas as pd

    from crds_batch.engine.evaluate import evaluate_records, evaluate
    from crds_batch.rules.loading import load_context

    context = load_context(CONTEXT)
    names = sorted(set(CASES) - {"fits keywords", "tso fits keyword", "lamp fits keyword"})  # a table uses one spelling (FITS or META.*) per keyword
    records = evaluate_records(context, [dict(CASES[name]) for name in names])
    frame = evaluate(context, pd.DataFrame([CASES[name] for name in names]))
    for row, name in enumerate(names):
        single = getrecommendations(dict(CASES[name]), CONTEXT)
        assert records[row] == single, name
        present = {kind for kind, value in frame.iloc[row].items() if value is not None and value == value}
        assert present == set(single), name


BUNDLED_CASES = [
    # (instrument header, EXP_TYPE, calibration software version, extra keywords)
    (NIRCAM, "NRC_IMAGE", "1.12.5", {}),
    (NIRCAM, "NRC_IMAGE", "0.13.8", {"META.VISIT.TSOVISIT": "T"}),
    (NIRCAM, "NRC_TSIMAGE", "1.1.0", {"META.VISIT.TSOVISIT": "TRUE"}),
    (NIRCAM, "NRC_IMAGE", "0.16.0", {"META.VISIT.TITLE": "PRIME_WFSC_ROUTINE"}),
    (NIRCAM, "NRC_IMAGE", "0.13.0", {"META.VISIT.TSOVISIT": "FALSE"}),  # b7.3: dont_replace is one string
    (NIRCAM, "NRC_IMAGE", "0.13.0", {"META.VISIT.TSOVISIT": "F"}),
    (NIRCAM, "NRC_DARK", "0.9.3", {}),
    (NIRCAM, "NRC_CORON", "0.7.7", {}),
    (NIRCAM, "NRC_CORON", "0.6.0", {}),  # below every row: crds uses the first file
    (NIRCAM, "NRC_IMAGE", "0.7.0rc6", {}),
    (NIRCAM, "NRC_IMAGE", "1.2.3.4", {}),
    (NIRCAM, "NRC_IMAGE", "0.17.0", {}),
    (NIRCAM, "NO_SUCH_TYPE", "1.12.5", {}),
    (MIRI, "MIR_IMAGE", "1.12.5", {}),
    (MIRI, "MIR_MRS", "0.10.1", {}),
    (MIRI, "MIR_LRS-FIXEDSLIT", "0.13.0", {"META.INSTRUMENT.LAMP_STATE": "ON"}),
    (NIRCAM, "NRC_IMAGE", "junk", {}),
    (NIRCAM, "NRC_IMAGE", None, {}),
]


@pytest.mark.parametrize("case", range(len(BUNDLED_CASES)))
def test_real_cache_types_from_bundled_crdscfg(case):
    """jwst_0541 has no SYSTEM CRDSCFG rmap: crds decides by the CRDSCFG files it bundles, as our table does."""
    import crds

    base, exp_type, version, extra = BUNDLED_CASES[case]
    parameters = dict(base, **{"META.EXPOSURE.TYPE": exp_type}, **extra)
    if version is not None:
        parameters["META.CALIBRATION_SOFTWARE_VERSION"] = version
    ours = getrecommendations(dict(parameters), "jwst_0541.pmap")
    theirs = crds.getrecommendations(dict(parameters), context="jwst_0541.pmap", observatory="jwst")
    assert ours == theirs


def test_bundled_table_regenerates_from_crds():
    """The table is what the regeneration script derives from the installed crds."""
    import subprocess
    import sys

    script = Path(__file__).parents[2] / "scripts" / "regenerate_jwst_pipeline_types.py"
    regenerated = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout
    assert regenerated == Path(crdscfg.BUNDLED_TABLE).read_text()
