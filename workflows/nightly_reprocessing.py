#!/usr/bin/env python
"""Nightly reprocessing: ingest -> affected -> report.

Each night, fold the day's new dataset parameters into the store, find the
datasets whose best references change from the operational context to the
newly delivered one, and leave for the operators:

- ``<out>/affected.txt``: product ids to reprocess (crds ``--print-affected``);
- ``<out>/report.html``: one self-contained page (summary, error classes, plots);
- ``<out>/changes.parquet``, ``errors.parquet``, ``update_counts.json``, ``summary.json``.

Usage::

    python workflows/nightly_reprocessing.py --old-context hst_0728.pmap --new-context hst_0729.pmap \\
        --params tonight/*.json --store /data/store --out nightly/2024-06-01 [--scheduler-address tcp://...]

Exit status: 0 when the comparison ran without errors, 1 otherwise.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import add_cluster_arguments, cluster_from_arguments, log  # noqa: E402

from crds_batch.batch.affected import run_affected  # noqa: E402
from crds_batch.batch.compare import CompareOptions  # noqa: E402
from crds_batch.batch.plan import AffectedRequest  # noqa: E402
from crds_batch.batch.results import AffectedResult  # noqa: E402
from crds_batch.report import write_report  # noqa: E402
from crds_batch.store import Store, ingest  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old-context", required=True, help="The context in use now.")
    parser.add_argument("--new-context", required=True, help="The context being delivered.")
    parser.add_argument("--params", nargs="*", default=[], metavar="SAVE",
                        help="Tonight's parameter saves / dataset files to ingest first.")
    parser.add_argument("--store", required=True, help="Parameter store directory (created or updated).")
    parser.add_argument("--out", required=True, help="Output directory for the report and results.")
    parser.add_argument("--all-types", action="store_true",
                        help="Compare every type, not only the types the context diff changes.")
    parser.add_argument("--datasets-since", default=None, metavar="auto|DATE|none",
                        help="Default: auto with the context diff, none with --all-types.")
    parser.add_argument("--trust-pickles", action="store_true", help="Allow .pkl saves.")
    add_cluster_arguments(parser)
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> AffectedResult:
    """Ingest, find the affected datasets, report; return the result."""
    started = time.monotonic()
    if args.params:
        report = ingest(args.params, args.store, trust_pickles=args.trust_pickles)
        log(f"ingested {report.datasets_read:,} datasets into {args.store} ({report.datasets:,} in the store)")
    diffs_only = not args.all_types
    request = AffectedRequest(
        old_context=args.old_context,
        new_context=args.new_context,
        diffs_only=diffs_only,
        datasets_since=args.datasets_since or ("auto" if diffs_only else None),
        # crds --affected-datasets: undefined and N/A differences matter
        compare=CompareOptions(undefined_differences_matter=True, na_differences_matter=True),
    )
    result = run_affected(request, Store(args.store), cluster_from_arguments(args), log=log)
    os.makedirs(args.out, exist_ok=True)
    result.write(args.out)
    write_report(result, os.path.join(args.out, "report.html"), seconds=time.monotonic() - started)
    log(f"{len(result.affected_products()):,} products affected "
        f"({len(result.affected_ids):,} datasets of {result.datasets:,}); report: {args.out}/report.html")
    return result


def main(argv: list[str] | None = None) -> int:
    result = run(parse_args(argv))
    return 1 if result.error_count else 0


if __name__ == "__main__":
    sys.exit(main())
