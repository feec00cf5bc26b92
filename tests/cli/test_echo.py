"""Many lines printed in one write, byte for byte what one echo per line prints."""
from __future__ import annotations

import io

import click

from crds_batch.cli.echo import echo_lines


def _per_line(lines):
    stream = io.StringIO()
    for line in lines:
        click.echo(line, file=stream)
    return stream.getvalue()


def test_same_text_as_one_echo_per_line_in_one_write(monkeypatch):
    lines = ["   12  ACS      DARKFILE   New: No match", "          examples: J0FPNZA0Q", "", "last"]
    expected = _per_line(lines)
    stream, echoed = io.StringIO(), []
    echo = click.echo
    monkeypatch.setattr("sys.stdout", stream)
    monkeypatch.setattr(click, "echo", lambda *args, **kwargs: echoed.append(echo(*args, **kwargs)))
    echo_lines(lines)
    assert stream.getvalue() == expected
    assert len(echoed) == 1


def test_no_lines_print_nothing(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr("sys.stdout", stream)
    echo_lines([])
    assert stream.getvalue() == "" == _per_line([])
