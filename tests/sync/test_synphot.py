"""``crds-batch get-synphot``: the synphot files of a context in comp/ and mtab/, hard-linked from a CRDS cache."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
from astropy.io import fits

from crds_batch.sync.synphot import IRAF_DIRECTORIES
from crds_batch.tools import mapping_tree
from tests.conftest import REPO
from tests.server.servers import client_env, serving

from .cachegen import build_cache


def _table(path, filenames) -> None:
    column = fits.Column(name="FILENAME", format=f"{max(len(f) for f in filenames)}A", array=np.array(filenames))
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns([column])]).writeto(path, overwrite=True)


def _iraf_name(name: str) -> str:
    directory = f"cr{name.split('_')[0]}comp"
    return f"{directory if directory in IRAF_DIRECTORIES else 'crcomp'}${name}"


def test_get_synphot_links_components_and_tables(tmp_path):
    served = build_cache(tmp_path / "served", instruments=("synphot",), contexts={"hst_0001.pmap": "hst_0729.pmap"},
                         operational="hst_0001.pmap")
    references = served / "references" / "hst"
    names = sorted(mapping_tree.reference_names(str(served / "mappings" / "hst" / "hst_synphot_0007.imap")))
    tables = {n.rsplit("_", 1)[1][:3]: n for n in names if n.endswith(("_tmc.fits", "_tmt.fits", "_tmg.fits"))}
    throughputs = [n for n in names if n.endswith("_syn.fits")]
    thermal = [n for n in names if n.endswith("_th.fits")]
    _table(references / tables["tmc"], [_iraf_name(n) + ("[x]" if i == 0 else "") for i, n in enumerate(throughputs)])
    _table(references / tables["tmt"], [_iraf_name(n) for n in thermal])
    _table(references / tables["tmg"], ["graph"])
    out = tmp_path / "pysyn"
    (out / "comp" / "old").mkdir(parents=True)
    with serving("--observatory", "hst", cache=served) as server:
        env = client_env(server.url, tmp_path / "unused", "hst", CRDS_LOCK_PATH=str(tmp_path))
        command = [sys.executable, "-m", "crds_batch.cli.main", "get-synphot", "--context", "hst-operational",
                   "--output-dir", str(out)]
        done = subprocess.run(command, cwd=REPO, env=env, text=True, capture_output=True,
                              timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in out.iterdir()) == ["comp", "mtab"]  # the private cache is gone, old comp too
    assert sorted(p.name for p in (out / "mtab").iterdir()) == sorted(tables.values())
    linked = {p.name: p for p in (out / "comp").rglob("*.fits")}
    assert sorted(linked) == sorted(throughputs + thermal)
    acs = next(n for n in throughputs if n.startswith("acs_"))
    assert linked[acs] == out / "comp" / "acs" / acs
    for name, path in linked.items():
        assert path.read_bytes() == (references / name).read_bytes()
    assert not (tmp_path / "unused").exists() or not list((tmp_path / "unused").rglob("*.fits"))
