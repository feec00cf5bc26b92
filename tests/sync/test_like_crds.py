"""``crds-batch sync`` and ``crds sync`` 13.2.7 into two empty caches from the same server: same result."""
from __future__ import annotations

import re

import pytest

from .cachegen import NEW_CONTEXT, OLD_CONTEXT
from .runs import comparable, run_ours, run_theirs


@pytest.mark.parametrize("args", [
    ("--contexts", OLD_CONTEXT, NEW_CONTEXT, "--fetch-references"),
    ("--range", "2:2"),
    ("--last", "1", "--fetch-references"),
    ("--all",),
    ("--up-to-context", OLD_CONTEXT),
    ("--after-context", NEW_CONTEXT, "--fetch-references"),
    ("--up-to-context", "hst-operational"),
    ("--files", "hst_cos_0305.imap", "zas1615jl_spot.fits"),
    ("--files", "hst-cos-flatfile-operational", "hst-cos-edit"),
], ids=["contexts-references", "range", "last-references", "all", "up-to", "after-references",
    "up-to-symbolic", "files", "symbolic-files"])
def test_same_cache_as_crds_sync(sync_server, tmp_path, args):
    theirs = run_theirs(*("--last-n-contexts" if a == "--last" else a for a in args),
                        server_url=sync_server.url, crds_path=tmp_path / "theirs")
    ours = run_ours(*args, server_url=sync_server.url, crds_path=tmp_path / "ours")
    assert theirs.returncode == 0, theirs.stderr[-2000:]
    assert ours.returncode == 0, ours.stderr[-2000:]
    expected = comparable(tmp_path / "theirs")
    got = comparable(tmp_path / "ours")
    assert sorted(got) == sorted(expected)
    assert got == expected
    assert any(name.endswith(".fits") for name in got) == \
        ("--fetch-references" in args or any(a.endswith(".fits") for a in args))


def test_output_dir_like_crds(sync_server, tmp_path):
    args = ("--files", "hst_cos_0306.imap", "zas1615jl_spot.fits", "--output-dir")
    theirs = run_theirs(*args, str(tmp_path / "theirs-out"), server_url=sync_server.url,
                        crds_path=tmp_path / "theirs")
    ours = run_ours(*args, str(tmp_path / "ours-out"), server_url=sync_server.url, crds_path=tmp_path / "ours")
    assert theirs.returncode == 0 and ours.returncode == 0, theirs.stderr[-2000:] + ours.stderr[-2000:]
    assert comparable(tmp_path / "ours-out") == comparable(tmp_path / "theirs-out")
    assert sorted(p.name for p in (tmp_path / "ours-out").iterdir()) == ["hst_cos_0306.imap", "zas1615jl_spot.fits"]
    assert comparable(tmp_path / "ours") == comparable(tmp_path / "theirs")


def test_roman_asdf_references_like_crds(tmp_path):
    """Roman (no IRAF links; ASDF references): same cache as crds sync, in the default and flat layouts."""
    from tests.server.servers import serving

    from .cachegen import build_roman_cache

    served = build_roman_cache(tmp_path / "served")
    with serving("--observatory", "roman", cache=served) as server:
        for layout_args in ((), ("--organize", "flat")):
            for tool, run in (("ours", run_ours), ("theirs", run_theirs)):
                args = ("--last", "3", "--fetch-references", *layout_args)
                if tool == "theirs":
                    args = tuple("--last-n-contexts" if a == "--last" else a for a in args)
                    args = tuple(f"--organize={layout_args[1]}" if a == "--organize" else a
                                 for a in args if a != "flat")
                done = run(*args, server_url=server.url, crds_path=tmp_path / tool,
                           **({"observatory": "roman"} if tool == "theirs" else {}))
                assert done.returncode == 0, done.stderr[-2000:]
            got, expected = comparable(tmp_path / "ours", "roman"), comparable(tmp_path / "theirs", "roman")
            assert got == expected, sorted(set(got) ^ set(expected))
    assert any(name.endswith(".asdf") for name in got)


@pytest.mark.parametrize("switch", ["--dry-run", "--readonly-cache"])
def test_dry_run_like_crds(sync_server, tmp_path, switch):
    """``--dry-run`` is crds's read-only cache: purges and repairs are named, nothing changes, as crds."""
    for tool, run in (("ours", run_ours), ("theirs", run_theirs)):
        done = run("--all", "--fetch-references",
                   server_url=sync_server.url, crds_path=tmp_path / tool)
        assert done.returncode == 0, done.stderr[-2000:]
        mappings = tmp_path / tool / "mappings" / "hst"
        damaged = re.search(r"hst_cos_\d+\.imap", (mappings / NEW_CONTEXT).read_text()).group(0)
        (mappings / damaged).write_text("damaged")  # in the kept closure: the check finds it, the repair is named
    before = {tool: comparable(tmp_path / tool) for tool in ("ours", "theirs")}
    args = ("--contexts", NEW_CONTEXT, "--purge-mappings", "--purge-references", "--repair-files", switch)
    ours = run_ours(*args, server_url=sync_server.url, crds_path=tmp_path / "ours")
    theirs = run_theirs(*args, server_url=sync_server.url, crds_path=tmp_path / "theirs")
    assert comparable(tmp_path / "ours") == before["ours"]
    assert comparable(tmp_path / "theirs") == before["theirs"]
    assert (ours.returncode == 0) == (theirs.returncode == 0), ours.stderr[-2000:] + theirs.stderr[-2000:]
    assert ours.returncode == 1, ours.stderr[-2000:]
    assert "hst_0001.pmap" in ours.stderr and damaged in ours.stderr
