"""``--verify-context-change`` and ``--push-context KEY``: the pipeline switches of ``crds sync``, on our server."""
from __future__ import annotations

from tests.server.servers import rpc

from .cachegen import NEW_CONTEXT
from .runs import run_ours, run_theirs


def test_verify_context_change_like_crds(sync_server, tmp_path):
    """A sync that leaves the context as it was is an error with the switch, in crds and in ours."""
    for tool, run in (("ours", run_ours), ("theirs", run_theirs)):
        first = run("--contexts", NEW_CONTEXT, server_url=sync_server.url, crds_path=tmp_path / tool)
        assert first.returncode == 0, first.stderr[-2000:]
        again = run("--contexts", NEW_CONTEXT, "--verify-context-change", server_url=sync_server.url,
                    crds_path=tmp_path / tool)
        assert again.returncode != 0, (tool, again.stderr[-2000:])
        assert f"contexts are both '{NEW_CONTEXT}'" in again.stderr, (tool, again.stderr[-2000:])
    plain = run_ours("--contexts", NEW_CONTEXT, server_url=sync_server.url, crds_path=tmp_path / "ours")
    assert plain.returncode == 0, plain.stderr[-2000:]


def test_verify_context_change_on_a_new_cache(sync_server, tmp_path):
    # crds 13.2.7 stops here ("cache load FAILED": it reads the old context from a config not yet
    # written); a new cache going to a context is a change, so crds-batch says so and succeeds.
    done = run_ours("--contexts", NEW_CONTEXT, "--verify-context-change", server_url=sync_server.url,
                    crds_path=tmp_path / "ours")
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"Latest context updated from None to '{NEW_CONTEXT}'" in done.stderr


def test_push_context_tells_the_server(sync_server, tmp_path):
    key = f"pipe-{tmp_path.name}"
    assert rpc(sync_server, "get_remote_context", "hst", key)["error"] is not None
    done = run_ours("--contexts", NEW_CONTEXT, "--push-context", key, server_url=sync_server.url,
                    crds_path=tmp_path / "ours")
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"Pushed cached latest context name '{NEW_CONTEXT}'" in done.stderr
    assert rpc(sync_server, "get_remote_context", "hst", key)["result"] == NEW_CONTEXT


def test_push_context_like_crds_pushes_the_same(sync_server, tmp_path):
    key = f"crds-{tmp_path.name}"
    done = run_theirs("--contexts", NEW_CONTEXT, "--push-context", key, server_url=sync_server.url,
                      crds_path=tmp_path / "theirs")
    assert done.returncode == 0, done.stderr[-2000:]
    assert rpc(sync_server, "get_remote_context", "hst", key)["result"] == NEW_CONTEXT
