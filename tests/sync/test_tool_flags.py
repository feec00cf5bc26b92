"""crds's shared tool flags on ``crds-batch sync``: --verbosity, --log-time, --stats, -I, -R, -H."""
from __future__ import annotations

import re

from .cachegen import NEW_CONTEXT
from .runs import run_ours

_STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d "


def _fetched(stderr: str) -> int:
    return int(re.search(r"Sync: (\d+) files \(\d+ bytes\) fetched", stderr).group(1))


def test_verbosity_log_time_stats(sync_server, tmp_path):
    done = run_ours("--contexts", NEW_CONTEXT, "--verbosity", "60", "--log-time", "--stats",
                    server_url=sync_server.url, crds_path=tmp_path / "cache")
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(rf"^{_STAMP}Fetching rmaps: \d+ of \d+ files missing or wrong$", done.stderr, re.M), \
        done.stderr[-2000:]  # a verbose line (--verbosity above 0), stamped
    assert re.search(rf"^{_STAMP}Sync: ", done.stderr, re.M)
    assert re.search(rf"^{_STAMP}STATS: elapsed \d+\.\d\d s$", done.stderr, re.M)
    quiet = run_ours("--contexts", NEW_CONTEXT, server_url=sync_server.url, crds_path=tmp_path / "cache")
    assert "missing or wrong" not in quiet.stderr and "STATS" not in quiet.stderr
    assert re.search(r"^Sync: ", quiet.stderr, re.M)


def test_ignore_cache_fetches_again_and_short_flags(sync_server, tmp_path):
    cache = tmp_path / "cache"
    first = run_ours("-H", "--contexts", NEW_CONTEXT, server_url=sync_server.url, crds_path=cache)
    assert first.returncode == 0 and _fetched(first.stderr) > 0, first.stderr[-2000:]
    assert _fetched(run_ours("--contexts", NEW_CONTEXT, server_url=sync_server.url, crds_path=cache).stderr) == 0
    again = run_ours("-I", "--contexts", NEW_CONTEXT, server_url=sync_server.url, crds_path=cache)
    assert again.returncode == 0 and _fetched(again.stderr) == _fetched(first.stderr), again.stderr[-2000:]
    readonly = run_ours("-R", "-I", "--contexts", NEW_CONTEXT, server_url=sync_server.url, crds_path=cache)
    assert readonly.returncode == 0 and "READONLY CACHE" in readonly.stderr, readonly.stderr[-2000:]
