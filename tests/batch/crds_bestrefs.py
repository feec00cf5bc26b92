"""Running the oracle's ``crds bestrefs`` in-process on .json saves, offline.

crds can compare contexts over pickles only without ``--diffs-only`` when
offline: with it, crds asks the server for the affected instruments' dataset
headers. :class:`PickleDiffsOnlyScript` stands in for that server: it serves
the same headers from the saves, limited to the affected instruments, as the
archive would, and leaves every other step to crds.
"""
from __future__ import annotations

import contextlib
import io

from crds.bestrefs import bestrefs as crds_bestrefs_module
from crds.bestrefs import headers as crds_headers
from crds.core import log as crds_log
from crds.core import utils as crds_utils


class PickleDiffsOnlyScript(crds_bestrefs_module.BestrefsScript):
    def init_headers(self, context, datasets_since):
        generator = crds_headers.PickleHeaderGenerator(
            context, self.args.load_pickles, only_ids=self.only_ids, datasets_since=datasets_since)
        affected = {instrument.lower() for instrument in (self.affected_instruments or {})}
        generator.headers = {
            dataset: header for dataset, header in generator.headers.items()
            if crds_utils.header_to_instrument(header).lower() in affected
        }
        generator.sources = list(generator.headers)
        return generator


def run_crds_bestrefs(argv: list[str], diffs_only_from_pickles: bool = False) -> tuple[list[str], int]:
    """Run crds bestrefs with ``argv``; return (stdout lines, error count)."""
    script_class = PickleDiffsOnlyScript if diffs_only_from_pickles else crds_bestrefs_module.BestrefsScript
    out = io.StringIO()
    crds_log.set_verbose(0)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        errors = script_class(["crds.bestrefs", *argv])()
    crds_log.reset()
    return out.getvalue().splitlines(), errors
