"""``--dataset-files`` and ``--dataset-ids``: the references those datasets need, like crds sync."""
from __future__ import annotations

import pytest
from astropy.io import fits

from crds_batch.store import ingest
from crds_batch.synth.generate import generate
from crds_batch.synth.writer import frame_params, write_save
from tests.server.servers import serving

from .cachegen import NEW_CONTEXT
from .runs import comparable, run_ours, run_theirs

#: hst_0729.pmap's COS rules are the ones hst_0002.pmap of the test cache uses.
SOURCE = "hst_0729.pmap"


@pytest.fixture(scope="module")
def cos_datasets(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cos")
    frames = list(generate(SOURCE, 6, seed=5, instruments=["cos"]))
    write_save(frames, directory / "cos.json")
    params = {}
    for frame in frames:
        params.update(frame_params(frame))
    ingest([str(directory / "cos.json")], str(directory / "store"))
    return directory, params


def _dataset_file(path, header: dict) -> None:
    hdu = fits.PrimaryHDU()
    for key, value in header.items():
        hdu.header["HIERARCH " + key if len(key) > 8 else key] = value
    hdu.writeto(path)


def test_dataset_files_like_crds(sync_server, cos_datasets, tmp_path):
    _, params = cos_datasets
    files = []
    for n, header in enumerate(list(params.values())[:3]):
        files.append(str(tmp_path / f"cos_{n}_raw.fits"))
        _dataset_file(files[-1], header)
    args = ("--contexts", NEW_CONTEXT, "--fetch-references", "--dataset-files", *files)
    theirs = run_theirs(*args, server_url=sync_server.url, crds_path=tmp_path / "theirs")
    ours = run_ours(*args, server_url=sync_server.url, crds_path=tmp_path / "ours")
    assert theirs.returncode == 0 and ours.returncode == 0, theirs.stderr[-2000:] + ours.stderr[-2000:]
    got = comparable(tmp_path / "ours")
    assert got == comparable(tmp_path / "theirs")
    assert 0 < sum(name.endswith(".fits") for name in got) < 91


def test_dataset_ids_like_crds(served_cache, cos_datasets, tmp_path):
    directory, params = cos_datasets
    wanted = sorted(params)[:2]
    with serving("--observatory", "hst", "--store", str(directory / "store"), cache=served_cache) as server:
        args = ("--contexts", NEW_CONTEXT, "--fetch-references", "--dataset-ids", *wanted)
        theirs = run_theirs(*args, server_url=server.url, crds_path=tmp_path / "theirs")
        ours = run_ours(*args, server_url=server.url, crds_path=tmp_path / "ours")
    assert theirs.returncode == 0 and ours.returncode == 0, theirs.stderr[-2000:] + ours.stderr[-2000:]
    got = comparable(tmp_path / "ours")
    assert got == comparable(tmp_path / "theirs")
    assert 0 < sum(name.endswith(".fits") for name in got) < 91
