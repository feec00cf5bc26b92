"""``crds-batch serve --reprocess``: a change of the cache config's operational context runs ``affected``
old -> new in the background; ``get_affected_datasets`` says "running" meanwhile, then serves the same ids
as ``crds-batch affected`` (to the real ``crds query_affected`` too), also after a restart."""
from __future__ import annotations

import ast
import os
import pprint
import subprocess
import sys
import time

import pytest

from tests.conftest import CACHE, REPO

from .servers import rpc, run_crds, serving, wait_for

OLD, NEW = "hst_0728.pmap", "hst_0729.pmap"
RUN_SECONDS = 300


@pytest.fixture
def cache(tmp_path):
    """A cache whose config can be edited: the shared mappings and references, a copy of config/hst
    saying OLD is operational."""
    root = tmp_path / "cache"
    (root / "config" / "hst").mkdir(parents=True)
    for component in ("mappings", "references"):
        os.symlink(CACHE / component, root / component)
    for name in os.listdir(CACHE / "config" / "hst"):
        (root / "config" / "hst" / name).write_bytes((CACHE / "config" / "hst" / name).read_bytes())
    set_operational(root, OLD)
    return root


def set_operational(cache, context: str) -> None:
    """Rewrite config/hst/server_config as a sync would, with ``context`` operational."""
    path = cache / "config" / "hst" / "server_config"
    config = ast.literal_eval(path.read_text())
    config["operational_context"] = config["edit_context"] = context
    config.pop("latest_context", None)
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(pprint.pformat(config))
    os.utime(path, ns=(before + 10**9, before + 10**9))  # a new mtime even on a coarse clock


@pytest.fixture(scope="module")
def expected_ids(hst_store):
    done = subprocess.run([sys.executable, "-m", "crds_batch.cli.main", "affected", "--old-context", OLD,
                           "--new-context", NEW, "--params", str(hst_store), "--no-cluster", "-q"],
                          cwd=REPO, env=dict(os.environ, CRDS_PATH=str(CACHE)), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert done.stdout.split(), "the pair should affect some of the synthetic datasets"
    return done.stdout.split()


def _serve_reprocessing(cache, store, results, *extra: str):
    return serving("--observatory", "hst", "--store", str(store), "--affected-results", str(results),
                   "--reprocess", *extra, cache=cache)


def _poll_results(server, seconds: float = RUN_SECONDS) -> list[dict]:
    """get_affected_datasets OLD -> NEW until it answers with results; every envelope received."""
    replies = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        replies.append(rpc(server, "get_affected_datasets", "hst", OLD, NEW))
        if "result" in replies[-1] and replies[-1].get("error") is None:
            return replies
        time.sleep(0.05)
    raise AssertionError(f"no results within {seconds}s: {replies[-1]}\n{server.log_text()[-3000:]}")


def test_context_change_is_reprocessed_and_served_across_restarts(cache, hst_store, expected_ids, tmp_path):
    results = tmp_path / "results"
    # a long poll period: only the requests below see the change, so the first one must find it queued
    with _serve_reprocessing(cache, hst_store, results, "--no-cluster", "--poll-seconds", "3600") as server:
        before = rpc(server, "get_affected_datasets", "hst", OLD, NEW)
        assert before["error"]["message"].startswith("OtherError: No precomputed affected datasets results exist")
        set_operational(cache, NEW)
        # the crds client's get_affected_datasets is the first request to see the change: queued, and said so
        early = run_crds("crds.misc.query_affected", "--starting-context", OLD, "--stopping-context", NEW,
                         server_url=server.url, crds_path=tmp_path / "early")
        replies = _poll_results(server)
        assert f"reprocessing: affected {OLD} -> {NEW} started" in server.log_text()
    assert early.returncode != 0 and early.stdout.strip() == ""
    assert "(FATAL) get_affected_datasets failed:" in early.stderr, early.stderr[-2000:]
    assert f"Affected datasets for {OLD!r} --> {NEW!r} are queued on this server" in early.stderr
    assert "not yet complete" in early.stderr and "don't exist" not in early.stderr
    first = replies[0].get("error") or {}
    if first:  # still running when polled: the same text
        assert first["message"].startswith(f"OtherError: Affected datasets for {OLD!r} --> {NEW!r} are ")
    result = replies[-1]["result"]
    assert result["affected_ids"] == expected_ids
    assert (result["old_context"], result["new_context"], result["bestrefs_status"]) == (OLD, NEW, 0)
    assert sorted(os.listdir(results)) == ["hst_0728--hst_0729", "reprocessing.json"]  # no partial left

    with _serve_reprocessing(cache, hst_store, results, "--no-cluster", "--poll-seconds", "0.2") as server:
        done = run_crds("crds.misc.query_affected", "--starting-context", OLD, "--stopping-context", NEW,
                        server_url=server.url, crds_path=tmp_path / "client")
        time.sleep(0.5)  # a few polls: nothing is rerun
        log = server.log_text()
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == sorted(expected_ids)
    assert "reprocessing: affected" not in log


def test_change_while_stopped_runs_at_next_start_on_a_local_cluster(cache, hst_store, expected_ids, tmp_path):
    results = tmp_path / "results"
    with _serve_reprocessing(cache, hst_store, results, "--no-cluster") as server:
        assert rpc(server, "get_affected_datasets", "hst", OLD, NEW)["error"]
    set_operational(cache, NEW)
    with _serve_reprocessing(cache, hst_store, results, "--workers", "1", "--poll-seconds", "0.2") as server:
        assert wait_for(lambda: "reprocessing: affected hst_0728.pmap -> hst_0729.pmap done" in server.log_text(),
                        RUN_SECONDS), server.log_text()[-3000:]
        done = run_crds("crds.misc.query_affected", "--starting-context", OLD, "--stopping-context", NEW,
                        server_url=server.url, crds_path=tmp_path / "client")
        log = server.log_text()
    assert "started a LocalCluster" in log
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == sorted(expected_ids)


def test_reprocess_needs_a_store_and_a_results_directory(cache):
    done = subprocess.run([sys.executable, "-m", "crds_batch.cli.main", "serve", "--observatory", "hst",
                           "--cache", str(cache), "--reprocess", "--port", "0"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert done.stderr.strip().splitlines()[-1].endswith(
        "--reprocess needs --store (the datasets) and --affected-results (where results go)")


def test_sighup_makes_the_server_look_at_the_config_now(cache, hst_store, tmp_path):
    import signal

    with _serve_reprocessing(cache, hst_store, tmp_path / "results", "--no-cluster", "--poll-seconds", "3600") \
            as server:
        set_operational(cache, NEW)
        time.sleep(0.3)
        assert "queued" not in server.log_text()
        server.process.send_signal(signal.SIGHUP)
        assert wait_for(lambda: f"operational context {OLD} -> {NEW}, affected datasets queued" in server.log_text(),
                        30), server.log_text()[-3000:]


def test_a_failed_run_is_reported_in_one_line(cache, hst_store, tmp_path):
    missing = "hst_9999.pmap"
    with _serve_reprocessing(cache, hst_store, tmp_path / "results", "--no-cluster", "--poll-seconds", "0.2") \
            as server:
        set_operational(cache, missing)

        def failed():
            reply = rpc(server, "get_affected_datasets", "hst", OLD, missing)
            return "failed" in reply["error"]["message"] and reply

        assert wait_for(failed, 60), server.log_text()[-3000:]
        message = failed()["error"]["message"]
    assert message.startswith(f"OtherError: crds-batch reprocessing {OLD!r} --> {missing!r} failed at ")
    assert missing in message.split("failed at ", 1)[1]
    assert "\n" not in message
