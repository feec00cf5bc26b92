"""``crds-batch list`` server queries and ``query-affected`` print what crds prints against the same server."""
from __future__ import annotations

import pytest

from crds_batch.cli.main import main
from tests.conftest import CACHE
from tests.server.servers import run_crds
from tests.server.test_query_affected import NEW, OLD, affected_server, results  # noqa: F401


def ours(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def theirs(server, tmp_path, module: str, *args: str):
    return run_crds(module, *args, server_url=server.url, crds_path=CACHE, cwd=tmp_path, CRDS_READONLY_CACHE="1")


def some_ids(hst_save) -> tuple[str, str]:
    """A product with several exposures and a plain exposure id, from the test store."""
    ids = sorted(hst_save[1])
    multi = next(i for i in ids if i.split(":")[0] != i.split(":")[1])
    single = next(i for i in ids if i.split(":")[0] == i.split(":")[1])
    return multi.split(":")[0], single.split(":")[1]


@pytest.mark.parametrize("query", [
    ["--operational-context"],
    ["--dataset-ids-for-instruments", "acs", "wfc3"],
    ["--dataset-headers", "{product}", "{exposure}", "NOSUCH01"],
    ["--dataset-headers", "{product}", "--json"],
    ["--dataset-headers", "{product}", "--id-expansions-only"],
    ["--dataset-headers", "{product}", "{exposure}", "--first-id", "--minimize-header"],
    ["--dataset-headers", "@{idfile}"],
])
def test_list_prints_what_crds_prints(query, hst_server, hst_save, tmp_path, capsys):
    product, exposure = some_ids(hst_save)
    idfile = tmp_path / "ids.txt"
    idfile.write_text(f"# ids\n{product}\n{exposure}\n")
    args = [word.format(product=product, exposure=exposure, idfile=idfile) for word in query]
    expected = theirs(hst_server, tmp_path, "crds.list", *args)
    code, out, err = ours(capsys, "list", "--server", hst_server.url, "--observatory", "hst", *args)
    assert out == expected.stdout and out.strip()
    assert (code == 0) == (expected.returncode == 0), (code, err, expected.stderr[-2000:])
    if "NOSUCH01" in args:
        assert code == 1 and "ERROR: No header for 'NOSUCH01:NOSUCH01'" in err


def test_remote_context_after_a_push(hst_server, tmp_path, capsys):
    from tests.server.servers import rpc

    assert rpc(hst_server, "push_remote_context", "hst", "operational", "test-pipe", OLD)["error"] is None
    expected = theirs(hst_server, tmp_path, "crds.list", "--remote-context", "test-pipe")
    code, out, _ = ours(capsys, "list", "--server", hst_server.url, "--remote-context", "test-pipe")
    assert code == 0 and out == expected.stdout == f"{OLD}\n"


def test_query_affected_prints_what_crds_prints(affected_server, results, tmp_path, capsys):
    expected = theirs(affected_server, tmp_path, "crds.misc.query_affected", "--starting-context", OLD,
                      "--stopping-context", NEW)
    assert expected.returncode == 0, expected.stderr[-2000:]
    code, out, err = ours(capsys, "query-affected", "--server", affected_server.url, "--old-context", OLD,
                          "--new-context", NEW)
    assert code == 0 and out == expected.stdout and out.split() == sorted(results[1])
    code, default_out, _ = ours(capsys, "query-affected", "--server", affected_server.url)
    assert code == 0 and default_out == out  # the server's last transition


def test_missing_affected_results_are_one_line(affected_server, capsys):
    code, out, err = ours(capsys, "query-affected", "--server", affected_server.url, "--old-context",
                          "hst_0727.pmap", "--new-context", OLD)
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and "get_affected_datasets" in err and "No precomputed" in err


def test_serverless_operational_context_is_the_cache_config(monkeypatch, capsys):
    monkeypatch.setenv("CRDS_PATH", str(CACHE))
    monkeypatch.delenv("CRDS_SERVER_URL", raising=False)
    code, out, _ = ours(capsys, "list", "--operational-context", "--observatory", "hst")
    import ast
    config = ast.literal_eval((CACHE / "config" / "hst" / "server_config").read_text())
    assert code == 0 and out == config.get("latest_context", config["operational_context"]) + "\n"
    code, out, err = ours(capsys, "list", "--dataset-ids-for-instruments", "acs", "--observatory", "hst")
    assert code == 3 and "no CRDS server configured" in err
