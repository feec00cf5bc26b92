"""``crds-batch checksum FILE...``: add (default), ``--verify`` or ``--remove`` checksums, as ``crds checksum``."""
from __future__ import annotations

import sys

import click

from ..certify.checksum import ADD, REMOVE, VERIFY, run_checksums
from ..certify.log import CertifyLog
from .options import crds_tool_options


@click.command("checksum")
@click.argument("files", nargs=-1, required=True)
@click.option("--remove", is_flag=True, help="Remove FITS checksums (refused for mappings, as crds does).")
@click.option("--verify", is_flag=True, help="Verify checksums without changing the files.")
@crds_tool_options
def command(files, remove, verify):
    """Add or update the checksums of mappings (sha1sum) and FITS references (CHECKSUM/DATASUM).

    Files are rewritten atomically. Messages are crds's log lines on stderr.
    Exit status 1 when any file failed, else 0.
    """
    if remove and verify:
        raise click.UsageError("--remove and --verify are mutually exclusive.")
    action = REMOVE if remove else VERIFY if verify else ADD
    errors = run_checksums(list(files), action, CertifyLog(stream=sys.stderr))
    return 1 if errors else 0
