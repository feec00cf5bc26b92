"""``--check-files``, ``--check-sha1sum``, ``--repair-files``, the purges, read-only checks."""
from __future__ import annotations

import re

import pytest

from tests.server.servers import serving

from .cachegen import NEW_CONTEXT, OLD_CONTEXT, build_cache, set_bad_files
from .runs import comparable, run_ours, run_theirs

BOTH = ("--contexts", OLD_CONTEXT, NEW_CONTEXT, "--fetch-references")


def _counts(stderr: str) -> dict[str, int]:
    summary = stderr.strip().splitlines()[-1]
    return {name: int(count) for count, name in re.findall(
        r"(\d+) (checked|missing|wrong size|wrong sha1|unknown to the server|rejected|blacklisted|foreign|repaired)",
        summary)}


@pytest.fixture
def synced(sync_server, tmp_path):
    cache = tmp_path / "cache"
    done = run_ours(*BOTH, server_url=sync_server.url, crds_path=cache)
    assert done.returncode == 0, done.stderr[-2000:]
    return cache


def test_check_classes_then_repair_then_clean(sync_server, served_cache, synced):
    references = sorted((synced / "references" / "hst" / "cos").iterdir())
    references[0].unlink()
    references[1].write_bytes(references[1].read_bytes()[:-10])
    data = bytearray(references[2].read_bytes())
    data[-1] ^= 0xFF
    references[2].write_bytes(bytes(data))
    (synced / "references" / "hst" / "cos" / "not_from_crds.fits").write_bytes(b"x" * 10)
    looked = run_ours(*BOTH, "--check-sha1sum", "--readonly-cache", server_url=sync_server.url, crds_path=synced)
    assert looked.returncode == 1
    counts = _counts(looked.stderr)
    assert (counts["missing"], counts["wrong size"], counts["wrong sha1"], counts["foreign"]) == (1, 1, 1, 1), \
        looked.stderr[-3000:]
    assert counts["checked"] == 120
    assert f"File {references[2].name!r} checksum mismatch" in looked.stderr
    assert "READONLY CACHE would repair" not in looked.stderr  # no --repair-files
    assert not references[0].exists()
    repaired = run_ours(*BOTH, "--check-sha1sum", "--repair-files", server_url=sync_server.url, crds_path=synced)
    assert _counts(repaired.stderr)["wrong sha1"] == 1 and _counts(repaired.stderr)["repaired"] == 1
    for path in references[:3]:
        assert path.read_bytes() == (served_cache / "references" / "hst" / path.name).read_bytes()
    clean = run_ours(*BOTH, "--check-sha1sum", server_url=sync_server.url, crds_path=synced)
    counts = _counts(clean.stderr)
    assert (counts["missing"], counts["wrong size"], counts["wrong sha1"]) == (0, 0, 0)
    assert counts["foreign"] == 1 and clean.returncode == 0, clean.stderr[-2000:]


def test_sha1_recheck_of_an_unchanged_cache_reads_nothing(sync_server, synced):
    first = run_ours(*BOTH, "--check-sha1sum", server_url=sync_server.url, crds_path=synced)
    assert first.returncode == 0, first.stderr[-2000:]
    assert re.search(r"Hashing: 120/120 files, (\S+ \S+) of \1", first.stderr), first.stderr[-2000:]
    second = run_ours(*BOTH, "--check-sha1sum", server_url=sync_server.url, crds_path=synced)
    assert re.search(r"Hashing: 120/120 files, 0 B of ", second.stderr), second.stderr[-2000:]
    assert _counts(second.stderr)["checked"] == 120 and second.returncode == 0


def test_purges_like_crds(sync_server, tmp_path):
    for tool, run in (("ours", run_ours), ("theirs", run_theirs)):
        cache = tmp_path / tool
        assert run(*BOTH, server_url=sync_server.url, crds_path=cache).returncode == 0
        (cache / "mappings" / "hst" / "hst_cos_stray_0001.rmap").write_text("stray\n")
        done = run("--contexts", OLD_CONTEXT, "--purge-mappings", "--purge-references",
                   server_url=sync_server.url, crds_path=cache)
        assert done.returncode == 0, done.stderr[-2000:]
    assert comparable(tmp_path / "ours") == comparable(tmp_path / "theirs")
    assert not (tmp_path / "ours" / "mappings" / "hst" / NEW_CONTEXT).exists()


def test_readonly_purge_says_what_and_the_bytes(sync_server, synced):
    before = sorted(p for p in synced.rglob("*"))
    done = run_ours("--contexts", OLD_CONTEXT, "--purge-mappings", "--purge-references", server_url=sync_server.url,
                    crds_path=synced, CRDS_READONLY_CACHE="1")
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p for p in synced.rglob("*")) == before
    would = re.findall(r"READONLY CACHE would remove (\d+) (mapping|reference)s totalling (\d+) bytes", done.stderr)
    assert {kind for _, kind, _ in would} == {"mapping", "reference"}
    assert re.search(r"(\d+) files \((\d+) bytes\) would be removed", done.stderr)


def test_purge_blacklisted_like_crds(tmp_path):
    served = build_cache(tmp_path / "served")
    bad = sorted((served / "references" / "hst").iterdir())[0].name
    set_bad_files(served, [bad])
    with serving("--observatory", "hst", cache=served) as server:
        for tool, run in (("ours", run_ours), ("theirs", run_theirs)):
            cache = tmp_path / tool
            assert run(*BOTH, server_url=server.url, crds_path=cache).returncode == 0
            done = run(*BOTH, "--check-files", "--purge-blacklisted", server_url=server.url, crds_path=cache)
            assert done.returncode == 0, done.stderr[-2000:]
    assert comparable(tmp_path / "ours") == comparable(tmp_path / "theirs")
    assert not list((tmp_path / "ours").rglob(bad))
    assert (tmp_path / "ours" / "config" / "hst" / "bad_files.txt").read_text() == bad
