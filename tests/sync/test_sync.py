"""``crds-batch sync`` on its own: observatory choice, resuming, read-only runs, progress, the lock."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

from crds_batch.files.atomic import temp_path
from crds_batch.sync.lock import LOCK_NAME, lock_path, sync_lock

from .cachegen import NEW_CONTEXT, OLD_CONTEXT
from .runs import run_ours


def _fetched(stderr: str) -> int:
    return int(re.search(r"Sync: (\d+) files \(\d+ bytes\) fetched", stderr).group(1))


def _served_bytes(served_cache, names) -> int:
    return sum(p.stat().st_size for p in served_cache.rglob("*") if p.name in names)


def test_observatory_from_context_names_and_from_the_server(sync_server, tmp_path):
    # crds sync needs --hst or CRDS_OBSERVATORY here (it takes its jwst default before reading the
    # context names, then refuses the HST server); crds-batch reads the names, then asks the server.
    named = run_ours("--contexts", NEW_CONTEXT, server_url=sync_server.url, crds_path=tmp_path / "a")
    assert named.returncode == 0, named.stderr[-2000:]
    default = run_ours(server_url=sync_server.url, crds_path=tmp_path / "b")
    assert default.returncode == 0, default.stderr[-2000:]
    assert (tmp_path / "b" / "mappings" / "hst" / NEW_CONTEXT).exists()
    wrong = run_ours("--jwst", server_url=sync_server.url, crds_path=tmp_path / "c")
    assert wrong.returncode == 3 and "serves 'hst', not 'jwst'" in wrong.stderr


def test_rerun_fetches_only_what_is_missing_or_wrong(sync_server, served_cache, tmp_path):
    cache = tmp_path / "cache"
    args = ("--contexts", OLD_CONTEXT, NEW_CONTEXT, "--fetch-references")
    first = run_ours(*args, server_url=sync_server.url, crds_path=cache)
    assert first.returncode == 0, first.stderr[-2000:]
    assert _fetched(first.stderr) == 120
    again = run_ours(*args, server_url=sync_server.url, crds_path=cache)
    assert _fetched(again.stderr) == 0, again.stderr[-2000:]
    references = sorted((cache / "references" / "hst" / "cos").iterdir())
    references[0].unlink()
    references[1].write_bytes(references[1].read_bytes()[:100])  # short
    rmap = next((cache / "mappings" / "hst").glob("*.rmap"))
    rmap.write_bytes(rmap.read_bytes().replace(b"header", b"HEADER", 1))  # same size, wrong sha1
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftover = temp_path(str(references[2]), pid=int(dead.stdout))
    with open(leftover, "wb") as handle:
        handle.write(b"half a file")
    resumed = run_ours(*args, server_url=sync_server.url, crds_path=cache)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert _fetched(resumed.stderr) == 3
    assert not os.path.exists(leftover)
    for path in (references[0], references[1]):
        assert path.read_bytes() == (served_cache / "references" / "hst" / path.name).read_bytes()
    assert rmap.read_bytes() == (served_cache / "mappings" / "hst" / rmap.name).read_bytes()


def test_readonly_cache_says_what_and_the_bytes_and_writes_nothing(sync_server, served_cache, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    done = run_ours("--contexts", NEW_CONTEXT, "--fetch-references", server_url=sync_server.url, crds_path=cache,
                    CRDS_READONLY_CACHE="1")
    assert done.returncode == 0, done.stderr[-2000:]
    assert list(cache.rglob("*")) == []
    references = re.search(r"READONLY CACHE would download (\d+) references totalling .* \((\d+) bytes\)",
                           done.stderr)
    from crds_batch.tools import mapping_tree
    expected = mapping_tree.reference_names(str(served_cache / "mappings" / "hst" / NEW_CONTEXT))
    assert int(references.group(1)) == len(expected)
    assert int(references.group(2)) == _served_bytes(served_cache, expected)
    assert f"would switch the context from None to {NEW_CONTEXT}" in done.stderr


def test_progress_lines_and_verbose(sync_server, tmp_path):
    done = run_ours("--contexts", NEW_CONTEXT, "--fetch-references", "--verbose", "--parallel", "3",
                    server_url=sync_server.url, crds_path=tmp_path / "cache")
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"Fetching references: (\d+)/\1 files, [\d.]+ kB of [\d.]+ kB, [\d.]+ [kM]?B/s, "
                     r"[\d.]+ files/s, ETA 0:00:00", done.stderr), done.stderr[-2000:]
    assert "Fetching references: 0 of" not in done.stderr
    assert re.search(r"Fetching references: \d+ of \d+ files missing or wrong", done.stderr)


def test_a_second_sync_waits_then_names_the_holder(sync_server, tmp_path):
    cache = tmp_path / "cache"
    path = lock_path(str(cache / "config" / "hst"), {"CRDS_LOCK_PATH": str(tmp_path)})
    assert os.path.basename(path).startswith(LOCK_NAME[:-5])
    with sync_lock(path, 5):
        started = time.monotonic()
        done = run_ours("--lock-timeout", "1", server_url=sync_server.url, crds_path=cache)
        assert time.monotonic() - started < 60
    assert done.returncode == 3
    assert f"Another sync holds the cache lock {path} (pid {os.getpid()} on " in done.stderr
    assert not (cache / "mappings").exists()


def test_a_killed_lock_holder_does_not_hang_the_next_sync(sync_server, tmp_path):
    cache = tmp_path / "cache"
    path = lock_path(str(cache / "config" / "hst"), {"CRDS_LOCK_PATH": str(tmp_path)})
    code = ("import sys, time\nfrom crds_batch.sync.lock import sync_lock\n"
            f"with sync_lock({path!r}, 5):\n    print('held', flush=True)\n    time.sleep(600)\n")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    done = run_ours("--lock-timeout", "5", server_url=sync_server.url, crds_path=cache)
    assert done.returncode == 0, done.stderr[-2000:]


def test_lock_off_with_crds_use_locking_false(tmp_path):
    assert lock_path(str(tmp_path), {"CRDS_USE_LOCKING": "false"}) is None
    assert lock_path(str(tmp_path), {}).startswith("/tmp/")


def test_watch_syncs_again_until_interrupted(sync_server, served_cache, tmp_path):
    from tests.conftest import REPO
    from tests.server.servers import client_env

    cache = tmp_path / "cache"
    env = client_env(sync_server.url, cache, "hst", CRDS_LOCK_PATH=str(tmp_path))
    process = subprocess.Popen([sys.executable, "-m", "crds_batch.cli.main", "sync", "--watch", "0.2"], cwd=REPO,
                               env=env, stderr=subprocess.PIPE, text=True)
    summaries = []
    try:
        for line in process.stderr:
            if line.startswith("Sync: "):
                summaries.append(line)
                if len(summaries) == 1:  # a mapping goes missing: the next run fetches it again
                    (cache / "mappings" / "hst" / NEW_CONTEXT).unlink()
                if len(summaries) == 3:
                    break
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)
    from crds_batch.tools import mapping_tree

    closure = mapping_tree.mapping_names(str(served_cache / "mappings" / "hst" / NEW_CONTEXT))
    assert [_fetched(s) for s in summaries] == [len(closure), 1, 0], summaries
    assert process.returncode == 130
