"""Contexts the cache config cannot resolve (date-based specs, ``<obs>-edit`` missing from a stale config)
resolve through the CRDS server wherever contexts are resolved, as crds's client resolves them."""
from __future__ import annotations

import ast
import os
import pprint
import shutil

import pytest

from crds_batch.cache.server_config import forget_server_configs, resolve_context
from crds_batch.cli.main import main
from crds_batch.errors import UnknownContextError
from tests.conftest import CACHE
from tests.server.servers import run_crds_python

DATES = ["hst-2019-09-05T00:00:00", "hst-2019-09-10T00:00:00", "hst-2019-08-30", "hst-acs-2019-09-05T00:00:00"]


@pytest.fixture
def stale_config(tmp_path):
    """A copy of config/hst without edit_context (what an old or hand-made cache config lacks)."""
    shutil.copytree(CACHE / "config" / "hst", tmp_path / "config" / "hst")
    path = tmp_path / "config" / "hst" / "server_config"
    info = ast.literal_eval(path.read_text())
    del info["edit_context"]
    path.write_text(pprint.pformat(info))
    forget_server_configs()
    yield tmp_path / "config"
    forget_server_configs()


def _env(server=None, **extra) -> dict:
    env = {"CRDS_PATH": str(CACHE), **extra}
    if server is not None:
        env["CRDS_SERVER_URL"] = server.url
    return env


def test_date_based_contexts_are_what_the_crds_client_makes_of_them(hst_server, tmp_path):
    code = ("import json, crds\nfrom crds.core import heavy_client\n"
            f"print(json.dumps([heavy_client.translate_date_based_context(s, 'hst') for s in {DATES!r}]))")
    theirs = run_crds_python(code, server_url=hst_server.url, crds_path=tmp_path / "client")
    ours = [resolve_context(spec, env=_env(hst_server)) for spec in DATES]
    assert ours == theirs
    assert ours[:3] == ["hst_0728.pmap", "hst_0729.pmap", "hst_0727.pmap"]


def test_without_a_server_date_based_contexts_are_refused():
    with pytest.raises(UnknownContextError, match="date-based contexts need a CRDS server"):
        resolve_context(DATES[0], env=_env())


def test_a_symbolic_context_missing_from_the_cache_config_comes_from_the_server(hst_server, stale_config):
    with pytest.raises(UnknownContextError, match="not defined by the cache config"):
        resolve_context("hst-edit", env=_env(CRDS_CFGPATH=str(stale_config)))
    assert resolve_context("hst-edit", env=_env(hst_server, CRDS_CFGPATH=str(stale_config))) == "hst_0729.pmap"


def test_commands_take_date_based_contexts_with_a_server(hst_server, monkeypatch, capsys):
    status = main(["diff", "hst_0728.pmap", "hst_0729.pmap", "--affected"])
    by_name = capsys.readouterr().out
    assert main(["diff", DATES[0], DATES[1], "--affected"]) == 3
    assert "need a CRDS server" in capsys.readouterr().err
    monkeypatch.setenv("CRDS_SERVER_URL", hst_server.url)
    assert main(["diff", DATES[0], DATES[1], "--affected"]) == status
    assert capsys.readouterr().out == by_name != ""
