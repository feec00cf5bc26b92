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


def test_bestrefs_sync_references_fetches_the_new_references(sync_server, served_cache, cos_datasets, tmp_path):
    import subprocess
    import sys

    from tests.conftest import REPO
    from tests.server.servers import client_env

    _, params = cos_datasets
    dataset = tmp_path / "cos_raw.fits"
    _dataset_file(dataset, next(iter(params.values())))
    cache = tmp_path / "cache"
    assert run_ours("--contexts", NEW_CONTEXT, server_url=sync_server.url, crds_path=cache).returncode == 0
    env = client_env(sync_server.url, cache, "hst", CRDS_LOCK_PATH=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "crds_batch.cli.main", "bestrefs", "--files", str(dataset),
                           "--new-context", NEW_CONTEXT, "--print-new-references", "--sync-references"],
                          cwd=REPO, env=env, text=True, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    new = {line.split()[-1] for line in done.stdout.splitlines()} - {"n/a"}
    assert new and "Sync: " in done.stderr
    fetched = {p.name for p in (cache / "references").rglob("*.fits")}
    assert fetched == new
    for name in new:
        assert next((cache / "references").rglob(name)).read_bytes() == \
            (served_cache / "references" / "hst" / name).read_bytes()
