"""``--include-orphans`` (the server's references no context names) and ``--clear-locks``, as crds sync 13.2.7."""
from __future__ import annotations

import pytest

from crds_batch.sync.lock import lock_path
from tests.server.servers import serving

from .cachegen import NEW_CONTEXT, build_cache, write_reference
from .runs import comparable, run_ours, run_theirs

ORPHAN = "zzorphan1j_spot.fits"


@pytest.fixture(scope="module")
def orphan_server(tmp_path_factory):
    served = build_cache(tmp_path_factory.mktemp("orphans") / "cache")
    write_reference(served / "references" / "hst" / ORPHAN, "cos")
    with serving("--observatory", "hst", cache=served) as server:
        yield server


@pytest.mark.parametrize("args", [
    ("--contexts", NEW_CONTEXT, "--fetch-references", "--include-orphans"),
    ("--contexts", NEW_CONTEXT, "--fetch-references"),
], ids=["with-orphans", "without"])
def test_include_orphans_like_crds(orphan_server, tmp_path, args):
    theirs = run_theirs(*args, server_url=orphan_server.url, crds_path=tmp_path / "theirs")
    ours = run_ours(*args, server_url=orphan_server.url, crds_path=tmp_path / "ours")
    assert theirs.returncode == 0, theirs.stderr[-2000:]
    assert ours.returncode == 0, ours.stderr[-2000:]
    got, expected = comparable(tmp_path / "ours"), comparable(tmp_path / "theirs")
    assert sorted(got) == sorted(expected)
    assert got == expected
    assert any(name.endswith(ORPHAN) for name in got) == ("--include-orphans" in args)


def test_include_orphans_keeps_them_on_purge(orphan_server, tmp_path):
    cache = tmp_path / "ours"
    args = ("--contexts", NEW_CONTEXT, "--fetch-references", "--include-orphans")
    assert run_ours(*args, server_url=orphan_server.url, crds_path=cache).returncode == 0
    kept = run_ours("--contexts", NEW_CONTEXT, "--purge-references", "--include-orphans",
                    server_url=orphan_server.url, crds_path=cache)
    assert kept.returncode == 0, kept.stderr[-2000:]
    assert list(cache.rglob(ORPHAN))
    purged = run_ours("--contexts", NEW_CONTEXT, "--purge-references", server_url=orphan_server.url, crds_path=cache)
    assert purged.returncode == 0, purged.stderr[-2000:]
    assert not list(cache.rglob(ORPHAN))


def test_clear_locks_removes_the_lock_and_does_nothing_else(sync_server, tmp_path):
    cache = tmp_path / "ours"
    lock = lock_path(str(cache / "config" / "hst"), {"CRDS_LOCK_PATH": str(tmp_path)})
    with open(lock, "w"), open(lock + ".holder", "w") as holder:
        holder.write("pid 1 on elsewhere")
    done = run_ours("--contexts", NEW_CONTEXT, "--clear-locks", server_url=sync_server.url, crds_path=cache)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Removed the cache's sync lock" in done.stderr
    assert not list(tmp_path.glob("*.lock*"))
    theirs = run_theirs("--contexts", NEW_CONTEXT, "--clear-locks", server_url=sync_server.url,
                        crds_path=tmp_path / "theirs")
    assert theirs.returncode == 0, theirs.stderr[-2000:]
    assert comparable(cache) == comparable(tmp_path / "theirs") == {}
    again = run_ours("--clear-locks", server_url=sync_server.url, crds_path=cache)
    assert again.returncode == 0 and "No sync lock to remove." in again.stderr
