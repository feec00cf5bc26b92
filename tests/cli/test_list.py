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


def test_each_command_module_defines_the_command_named_after_it():
    import importlib

    from crds_batch.cli.main import COMMAND_MODULES, command_name

    for module_name in COMMAND_MODULES:
        module = importlib.import_module(f"crds_batch.cli.{module_name}")
        assert module.command.name == command_name(module_name), module_name


def test_a_command_imports_only_its_own_module():
    import subprocess
    import sys

    from crds_batch.cli.main import COMMAND_MODULES

    script = ("import sys; from crds_batch.cli.main import main; main(['bestrefs', '--help']); "
              "print(' '.join(m for m in sys.modules if m.startswith('crds_batch.cli.')))")
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    commands = {name.rsplit(".", 1)[-1] for name in loaded.splitlines()[-1].split()}
    assert "bestrefs" in commands
    assert not commands & (set(COMMAND_MODULES) - {"bestrefs"})
