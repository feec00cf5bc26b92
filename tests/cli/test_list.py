from __future__ import annotations

from crds_batch.cli.main import main


def test_list_status_reports_cache_and_contexts(capsys, cache_dir):
    assert main(["list", "--status"]) == 0
    out = capsys.readouterr().out
    assert f"CRDS_PATH = '{cache_dir}'" in out
    assert "hst Effective Context = 'hst_0729.pmap'" in out
    assert "jwst Effective Context = 'jwst_0541.pmap'" in out


def test_every_command_has_help(capsys):
    from crds_batch.cli.main import cli

    for name in cli.list_commands(None):
        command = cli.get_command(None, name)
        assert command.help, f"{name} has no help text"
        assert main([name, "--help"]) == 0
