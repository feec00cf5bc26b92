"""The flags crds's tools share (``crds_tool_options``): what each does while a command runs, and that the
commands carry them."""
from __future__ import annotations

import logging
import os
import re

import click
import pytest
from click.testing import CliRunner

from crds_batch import __version__
from crds_batch.cli.main import main
from crds_batch.cli.options import crds_tool_options
from crds_batch.cli.tool_settings import current

COMMANDS = ["explain", "newcontext", "uniqname", "refactor", "safe-bestrefs", "capture", "bestrefs", "checksum",
            "rowdiff", "query-affected", "list", "diff", "matches", "uses", "sync"]

#: Commands whose own options take over flags of the same name (their -H/-J/--roman, list's --version).
OWN_VERSION = {"list"}


@click.command()
@crds_tool_options
def probe():
    """Reports what the flags set."""
    settings = current()
    click.echo(f"readonly={os.environ.get('CRDS_READONLY_CACHE')} observatory={os.environ.get('CRDS_OBSERVATORY')} "
               f"level={settings.level} ignore={settings.ignore_cache}")
    logging.getLogger("crds_batch.probe").debug("a debug line")
    logging.getLogger("crds_batch.probe").info("an info line")


def _run(*args, env=None):
    return CliRunner().invoke(probe, list(args), env=env or {})


def test_flags_take_effect_during_the_command_and_are_undone(monkeypatch):
    monkeypatch.delenv("CRDS_READONLY_CACHE", raising=False)
    monkeypatch.delenv("CRDS_OBSERVATORY", raising=False)
    result = _run("-R", "-J", "-I")
    assert result.exit_code == 0 and result.output.startswith("readonly=1 observatory=jwst level=0 ignore=True")
    assert "CRDS_READONLY_CACHE" not in os.environ and "CRDS_OBSERVATORY" not in os.environ
    assert "observatory=hst" in _run("-H").output and "observatory=roman" in _run("--roman").output
    assert "readonly=None observatory=None" in _run().output


def test_verbosity_and_log_time():
    quiet = _run()
    assert "a debug line" not in quiet.output and "an info line" not in quiet.output
    verbose = _run("-v")
    assert "DEBUG: a debug line" in verbose.output and "level=50" in verbose.output
    assert "level=70" in _run(env={"CRDS_VERBOSITY": "70"}).output
    assert "level=20" in _run("--verbosity", "20").output
    timed = _run("--log-time", "--stats")
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ INFO: an info line$", timed.output, re.M)
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d STATS: elapsed \d+\.\d\d s$", timed.output, re.M)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_tool_has_the_flags(command, capsys):
    if command not in OWN_VERSION:
        assert main([command, "-V"]) == 0
        assert capsys.readouterr().out.strip() == f"crds-batch, version {__version__}"
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    for flag in ("--verbose", "--verbosity", "--readonly-cache", "--ignore-cache", "--jwst", "--hst", "--roman",
                 "--stats", "--log-time", "--version"):
        assert flag in text, (command, flag)


def test_stats_on_a_real_command(tmp_path, capsys):
    from tests.conftest import TEST_DATA

    raw = str(TEST_DATA / "hst" / "j8bt05njq_raw.fits")
    assert main(["explain", "--context", "hst_0729.pmap", "--header", raw, "--types", "darkfile", "--stats"]) == 0
    assert re.search(r"^STATS: elapsed \d+\.\d\d s$", capsys.readouterr().err, re.M)


def test_commands_keep_their_own_observatory_and_version_flags(capsys, monkeypatch):
    monkeypatch.delenv("CRDS_OBSERVATORY", raising=False)
    assert main(["list", "--version"]) == 0
    assert capsys.readouterr().out == __version__ + "\n"
    assert main(["list", "--resolve-contexts", "--contexts", "hst-operational", "-J", "-R"]) == 0
    assert capsys.readouterr().out == "hst_0729.pmap\n"  # an explicit context's observatory, as before
    assert main(["uses", "--files", "hst_acs_0421.imap", "-H", "--stats"]) in (0, 1)
    assert re.search(r"^STATS: elapsed \d+\.\d\d s$", capsys.readouterr().err, re.M)
