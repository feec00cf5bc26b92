"""crds reads our export and sees what it saw in the original save."""
from __future__ import annotations

import json

import pytest

from crds_batch.store import export, ingest

from .conftest import acs, write_lines

pytestmark = pytest.mark.oracle


def test_crds_loads_our_export_like_the_original(tmp_path, test_data_dir):
    from crds.bestrefs.headers import load_bestrefs_headers
    from crds.core import utils

    for name in ["test_cos.json", "bestrefs.special.json", "bestrefs_dnr_fix.json", "canary.json"]:
        source = str(test_data_dir / "hst" / name)
        ingest([source], str(tmp_path / name))
        out = str(tmp_path / f"{name}.out.json")
        export(str(tmp_path / name), out)
        assert load_bestrefs_headers(out) == load_bestrefs_headers(source)
    # Non-string JSON values: crds conditions the original and our stored string alike.
    save = write_lines(tmp_path / "n.json", [acs(1, CCDGAIN=2, FLAG=True, NAXIS1=4144)])
    ingest([save], str(tmp_path / "n"))
    export(str(tmp_path / "n"), str(tmp_path / "n.out.json"))
    original, ours = load_bestrefs_headers(save), load_bestrefs_headers(str(tmp_path / "n.out.json"))
    for dataset_id in original:
        assert utils.condition_header(original[dataset_id]) == utils.condition_header(ours[dataset_id])


def test_crds_bestrefs_same_from_export(tmp_path, test_data_dir):
    import crds
    from crds.bestrefs.headers import load_bestrefs_headers

    source = str(test_data_dir / "hst" / "bestrefs.special.json")
    ingest([source], str(tmp_path / "s"))
    export(str(tmp_path / "s"), str(tmp_path / "out.json"))
    for (id1, h1), (id2, h2) in zip(sorted(load_bestrefs_headers(source).items()),
                                    sorted(load_bestrefs_headers(str(tmp_path / "out.json")).items())):
        assert id1 == id2
        assert crds.getrecommendations(h1, context="hst_0729.pmap") == crds.getrecommendations(h2, context="hst_0729.pmap")
