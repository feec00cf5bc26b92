"""Faults: corrupting and failing servers, kills at random points, concurrent syncs and readers, write errors.

Whatever happens, a file is visible under its name only whole and verified, the cache's config names
the old context or the new one (never a context whose files are not all there), and a re-run repairs.
"""
from __future__ import annotations

import ast
import json
import random
import resource
import signal
import subprocess
import sys
import time

import pytest

from crds_batch.synth.generate import generate
from crds_batch.synth.writer import frame_params
from crds_batch.tools import mapping_tree
from tests.client.bad_server import bad_server
from tests.conftest import REPO
from tests.server.servers import client_env, serving

from .cachegen import NEW_CONTEXT, OLD_CONTEXT, build_cache, set_operational
from .runs import run_ours

REFS = ("--fetch-references",)
TEMP_SUFFIX = ".crds-batch.tmp"


def _config_context(cache) -> str | None:
    path = cache / "config" / "hst" / "server_config"
    if not path.exists():
        return None
    return ast.literal_eval(path.read_text())["latest_context"]


def _assert_every_visible_file_verifies(cache, served) -> None:
    """Each mapping or reference under its final name has the served bytes."""
    for path in list((cache / "mappings").rglob("*")) + list((cache / "references").rglob("*")):
        if path.is_dir() or path.name.endswith(TEMP_SUFFIX):
            continue
        component = "mappings" if "mappings" in path.parts else "references"
        assert path.read_bytes() == (served / component / "hst" / path.name).read_bytes(), path


def _assert_context_complete(cache, served, allowed) -> None:
    context = _config_context(cache)
    assert context in allowed
    if context:
        closure = mapping_tree.mapping_names(str(served / "mappings" / "hst" / context))
        for name in closure:
            assert (cache / "mappings" / "hst" / name).exists(), (context, name)


def test_corrupting_server_answers_are_refused_and_fetched_again(sync_server, served_cache, tmp_path):
    with bad_server(sync_server.url, {"GET": ["corrupt", "truncate", "garbage", "corrupt"]}, forward_host=True) as bad:
        done = run_ours("--contexts", NEW_CONTEXT, *REFS, server_url=bad.url, crds_path=tmp_path / "c",
                        CRDS_CLIENT_RETRY_COUNT="3")
    assert done.returncode == 0, done.stderr[-2000:]
    _assert_every_visible_file_verifies(tmp_path / "c", served_cache)
    assert _config_context(tmp_path / "c") == NEW_CONTEXT


def test_corrupting_server_without_retries_does_not_switch_the_context(sync_server, served_cache, tmp_path):
    cache = tmp_path / "c"
    with bad_server(sync_server.url, {"GET": ["pass"] * 10 + ["corrupt", "truncate"]}, forward_host=True) as bad:
        done = run_ours("--contexts", NEW_CONTEXT, *REFS, "--parallel", "1", server_url=bad.url, crds_path=cache)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR: ")]
    assert len(errors) == 2 and any("sha1" in line for line in errors)
    assert any("before the whole reply" in line for line in errors)
    assert "skipping CRDS cache config and context update" in done.stderr
    assert _config_context(cache) is None
    # the failures hit rmaps (fetched first): their imap and the pmap are not written over them
    assert "Skipping the imaps: their children failed to sync" in done.stderr
    assert not (cache / "mappings" / "hst" / NEW_CONTEXT).exists()
    _assert_every_visible_file_verifies(cache, served_cache)
    again = run_ours("--contexts", NEW_CONTEXT, *REFS, server_url=sync_server.url, crds_path=cache)
    assert again.returncode == 0 and _config_context(cache) == NEW_CONTEXT
    assert again.stderr.splitlines()[-1].startswith("Sync: 4 files ")  # 2 rmaps, their imap, the pmap


def test_server_down_mid_sync(served_cache, tmp_path):
    cache = tmp_path / "c"
    with serving("--observatory", "hst", cache=served_cache) as server:
        with bad_server(server.url, {"GET": ["pass"] * 40 + ["drop"] * 200}, forward_host=True) as bad:
            done = run_ours("--contexts", NEW_CONTEXT, *REFS, server_url=bad.url, crds_path=cache,
                            CRDS_CLIENT_TIMEOUT_SECONDS="5")
        assert done.returncode == 1
        assert "connection" in done.stderr and _config_context(cache) is None
        _assert_every_visible_file_verifies(cache, served_cache)
    with serving("--observatory", "hst", cache=served_cache) as server:
        again = run_ours("--contexts", NEW_CONTEXT, *REFS, server_url=server.url, crds_path=cache)
    assert again.returncode == 0 and _config_context(cache) == NEW_CONTEXT


def _no_big_files():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4000, 4000))


def test_write_error_leaves_nothing_half_written(sync_server, served_cache, tmp_path):
    """A real write error (files larger than 4000 bytes refused by RLIMIT_FSIZE: the references)."""
    cache = tmp_path / "c"
    env = client_env(sync_server.url, cache, "hst", CRDS_LOCK_PATH=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "crds_batch.cli.main", "sync", "--contexts", NEW_CONTEXT, *REFS],
                          cwd=REPO, env=env, text=True, capture_output=True, timeout=300, preexec_fn=_no_big_files)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Failed writing" in done.stderr and "File too large" in done.stderr
    assert _config_context(cache) is None
    assert not [p for p in cache.rglob("*") if p.name.endswith(TEMP_SUFFIX)]
    _assert_every_visible_file_verifies(cache, served_cache)


def test_two_syncs_at_once(sync_server, served_cache, tmp_path):
    cache = tmp_path / "c"
    env = client_env(sync_server.url, cache, "hst", CRDS_LOCK_PATH=str(tmp_path))
    cache.mkdir()
    command = [sys.executable, "-m", "crds_batch.cli.main", "sync", "--contexts", OLD_CONTEXT, NEW_CONTEXT, *REFS]
    both = [subprocess.Popen(command, cwd=REPO, env=env, text=True, stderr=subprocess.PIPE) for _ in range(2)]
    outcomes = [(p.wait(300), p.stderr.read()) for p in both]
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    fetched = sorted(int(text.strip().splitlines()[-1].split()[1]) for _, text in outcomes)
    assert fetched == [0, 120]  # the second waited for the lock, then found everything in place
    _assert_every_visible_file_verifies(cache, served_cache)


@pytest.fixture
def reader_params(tmp_path):
    datasets = []
    for frame in generate("hst_0729.pmap", 4, seed=3, instruments=["cos"]):
        datasets.extend(frame_params(frame).values())
    path = tmp_path / "params.json"
    path.write_text(json.dumps(datasets))
    return path


def test_killed_at_random_points_with_a_reader_throughout(tmp_path, reader_params):
    served = build_cache(tmp_path / "served", operational=OLD_CONTEXT)
    cache = tmp_path / "c"
    rng = random.Random(20261130)
    with serving("--observatory", "hst", cache=served) as server:
        first = run_ours(*REFS, server_url=server.url, crds_path=cache)
        assert first.returncode == 0 and _config_context(cache) == OLD_CONTEXT, first.stderr[-2000:]
        set_operational(served, NEW_CONTEXT)
        stop = tmp_path / "stop"
        reader_env = dict(client_env("", cache, "hst"), CRDS_READONLY_CACHE="1")
        reader = subprocess.Popen([sys.executable, "-m", "tests.sync.reader", str(reader_params), str(stop)],
                                  cwd=REPO, env=reader_env, stdout=subprocess.PIPE, text=True)
        env = client_env(server.url, cache, "hst", CRDS_LOCK_PATH=str(tmp_path))
        command = [sys.executable, "-m", "crds_batch.cli.main", "sync", *REFS, "--parallel", "2"]
        kills = 0
        try:
            # Kill points are random times into a run; a fast machine finishes some runs first, so
            # keep going (bounded) until enough runs were killed mid-way, drawing later kill points
            # no later than the runs that finished first took.
            latest = 1.2
            for _ in range(60):
                if kills >= 8:
                    break
                started = time.monotonic()
                process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL)
                time.sleep(rng.uniform(0.1, latest))
                if process.poll() is None:
                    process.send_signal(signal.SIGKILL)
                    kills += 1
                else:
                    latest = max(0.15, min(latest, 0.9 * (time.monotonic() - started)))
                process.wait(60)
                _assert_every_visible_file_verifies(cache, served)
                _assert_context_complete(cache, served, {OLD_CONTEXT, NEW_CONTEXT})
            final = run_ours(*REFS, "--check-sha1sum", server_url=server.url, crds_path=cache)
        finally:
            stop.write_text("stop")
            out, _ = reader.communicate(timeout=60)
    assert kills >= 8
    assert final.returncode == 0, final.stderr[-2000:]
    assert _config_context(cache) == NEW_CONTEXT
    _assert_every_visible_file_verifies(cache, served)
    lines = out.split()
    assert reader.returncode == 0, [line for line in out.splitlines() if line.startswith("ERROR")][:5]
    assert set(lines) <= {OLD_CONTEXT, NEW_CONTEXT} and OLD_CONTEXT in lines
    assert not [p for p in cache.rglob("*") if p.name.endswith(TEMP_SUFFIX)]
