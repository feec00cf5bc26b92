"""``--organize flat|instrument`` (and ``--organize-delete-junk``), like crds sync."""
from __future__ import annotations

from .cachegen import NEW_CONTEXT, OLD_CONTEXT
from .runs import comparable, run_ours, run_theirs

BOTH = ("--contexts", OLD_CONTEXT, NEW_CONTEXT, "--fetch-references")


def test_organize_both_ways_like_crds(sync_server, tmp_path):
    steps = [BOTH, ("--organize", "flat"), ("--organize", "instrument")]
    for step in steps:
        for tool, run in (("ours", run_ours), ("theirs", run_theirs)):
            args = (f"--organize={step[1]}",) if tool == "theirs" and step[0] == "--organize" else step
            done = run(*args, server_url=sync_server.url, crds_path=tmp_path / tool)
            assert done.returncode == 0, done.stderr[-2000:]
        ours, theirs = comparable(tmp_path / "ours"), comparable(tmp_path / "theirs")
        assert ours == theirs, (step, sorted(set(ours) ^ set(theirs)))
    assert (tmp_path / "ours" / "references" / "hst" / "cos").is_dir()
    flat = run_ours("--organize", "flat", server_url=sync_server.url, crds_path=tmp_path / "ours")
    assert flat.returncode == 0
    assert (tmp_path / "ours" / "config" / "hst" / "ref_cache_subdir_mode").read_text() == "flat"
    assert len([p for p in (tmp_path / "ours" / "references" / "hst").iterdir() if p.suffix == ".fits"]) == 91


def test_organize_keeps_junk_unless_told(sync_server, tmp_path):
    cache = tmp_path / "cache"
    assert run_ours(*BOTH, server_url=sync_server.url, crds_path=cache).returncode == 0
    name = sorted((cache / "references" / "hst" / "cos").iterdir())[0].name
    (cache / "references" / "hst" / name).mkdir()  # junk where the flat file should go
    kept = run_ours("--organize", "flat", server_url=sync_server.url, crds_path=cache)
    assert f"Link or directory already exists at {str(cache / 'references' / 'hst' / name)!r}" in kept.stderr
    assert (cache / "references" / "hst" / "cos" / name).is_file()
    cleared = run_ours("--organize", "flat", "--organize-delete-junk", server_url=sync_server.url, crds_path=cache)
    assert cleared.returncode == 0, cleared.stderr[-2000:]
    assert (cache / "references" / "hst" / name).is_file()
    assert not (cache / "references" / "hst" / "cos").exists()
