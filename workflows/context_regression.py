#!/usr/bin/env python
"""Context regression: ingest -> check-context -> report.

Before a context goes operational, its authors ask which classes of errors it
still gives on known datasets. This recipe ingests parameter saves (or reuses
a store), checks the context on every dataset, and writes:

- ``<out>/report.html``: one self-contained page (summary, error classes, plots);
- ``<out>/unique_errors.txt``: the classes in crds's ``--dump-unique-errors`` form;
- ``<out>/errors.parquet``, ``changes.parquet``, ``error_classes.csv``, ``summary.json`` (the raw results).

Usage::

    python workflows/context_regression.py --context jwst_0541.pmap \\
        --params archive_saves/*.json --store /data/store --out regression/ [--compare-source-bestrefs]

Exit status: 0 when no errors remain, 1 when some do (for CI gates).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import add_cluster_arguments, cluster_from_arguments, log  # noqa: E402

from crds_batch.batch.check import CheckRequest, CheckResult, run_check  # noqa: E402
from crds_batch.batch.compare import CompareOptions  # noqa: E402
from crds_batch.report import write_report  # noqa: E402
from crds_batch.store import Store, ingest  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--context", required=True, help="The context to check (.pmap name or symbolic).")
    parser.add_argument("--params", nargs="*", default=[], metavar="SAVE",
                        help="Parameter saves / dataset files to ingest first (none: use --store as it is).")
    parser.add_argument("--store", required=True, help="Parameter store directory (created or updated).")
    parser.add_argument("--out", required=True, help="Output directory for the report and results.")
    parser.add_argument("--compare-source-bestrefs", action="store_true",
                        help="Also compare with the assignments recorded in the parameters.")
    parser.add_argument("--differences-are-errors", action="store_true",
                        help="With --compare-source-bestrefs, differences count as errors.")
    parser.add_argument("--undefined-differences-ok", action="store_true",
                        help="Lookups that match no rule are N/A, not errors (default: errors, as crds "
                             "bestrefs --check-context and crds-batch check-context).")
    parser.add_argument("--types", nargs="*", default=[], help="Only these reference types.")
    parser.add_argument("--trust-pickles", action="store_true", help="Allow .pkl saves.")
    add_cluster_arguments(parser)
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> CheckResult:
    """Ingest, check, report; return the check result."""
    started = time.monotonic()
    if args.params:
        report = ingest(args.params, args.store, trust_pickles=args.trust_pickles)
        log(f"ingested {report.datasets_read:,} datasets into {args.store} ({report.datasets:,} in the store)")
    request = CheckRequest(
        new_context=args.context,
        types=tuple(args.types),
        compare_source=args.compare_source_bestrefs,
        # crds --check-context: undefined and N/A differences matter (unless --undefined-differences-ok).
        compare=CompareOptions(undefined_differences_matter=not args.undefined_differences_ok,
                               na_differences_matter=not args.undefined_differences_ok,
                               differences_are_errors=args.differences_are_errors),
    )
    result = run_check(request, Store(args.store), cluster_from_arguments(args), log=log)
    os.makedirs(args.out, exist_ok=True)
    result.write(args.out)
    with open(os.path.join(args.out, "unique_errors.txt"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(result.unique_errors().crds_lines()) + "\n")
    write_report(result, os.path.join(args.out, "report.html"), seconds=time.monotonic() - started)
    unique = result.unique_errors()
    log(f"{result.datasets:,} datasets checked against {result.plan.new_context}: "
        f"{unique.total:,} errors in {len(unique.classes):,} classes; report: {args.out}/report.html")
    return result


def main(argv: list[str] | None = None) -> int:
    result = run(parse_args(argv))
    return 1 if result.unique_errors().total else 0


if __name__ == "__main__":
    sys.exit(main())
