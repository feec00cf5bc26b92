"""Fixtures: a small HST parameter store made from a synthetic save, and a server of the real cache + it."""
from __future__ import annotations

import pytest

from crds_batch.store import ingest
from crds_batch.synth.generate import generate
from crds_batch.synth.writer import frame_params, write_save

from .servers import serving

HST_CONTEXT = "hst_0729.pmap"


@pytest.fixture(scope="session")
def hst_save(tmp_path_factory):
    """``(save path, {id: params})`` of 120 synthetic ACS and WFC3 datasets drawn from hst_0729's rules."""
    directory = tmp_path_factory.mktemp("hst-save")
    frames = list(generate(HST_CONTEXT, 120, seed=11, instruments=["acs", "wfc3"]))
    path = directory / "hst.json"
    write_save(frames, path)
    params = {}
    for frame in frames:
        params.update(frame_params(frame))
    return path, params


@pytest.fixture(scope="session")
def hst_store(hst_save, tmp_path_factory):
    store = tmp_path_factory.mktemp("hst-store") / "store"
    ingest([str(hst_save[0])], str(store))
    return store


@pytest.fixture(scope="module")
def hst_server(hst_store):
    with serving("--observatory", "hst", "--store", str(hst_store)) as server:
        yield server


JWST_CONTEXT = "jwst_0541.pmap"


@pytest.fixture(scope="session")
def jwst_store(tmp_path_factory):
    """A store of 150 synthetic JWST datasets drawn from jwst_0541's rules."""
    directory = tmp_path_factory.mktemp("jwst-store")
    write_save(generate(JWST_CONTEXT, 150, seed=21), directory / "jwst.json")
    ingest([str(directory / "jwst.json")], str(directory / "store"))
    return directory / "store"
