"""Time crds's own ``--diffs-only`` on a save (the like-for-like baseline of ``crds-batch affected``'s default mode).

    CRDS_PATH=../shared/crds-cache-test python benchmarks/crds_diffs_only_rate.py SAVE.json \\
        --old-context hst_0650.pmap --new-context hst_0729.pmap

Prints the seconds crds took and the number of affected ids. Offline, crds
cannot run ``--diffs-only`` with ``--load-pickles`` (it asks the server for
the affected instruments' headers); the test harness
``tests/batch/crds_bestrefs.py`` serves it the same headers from the save.
``benchmarks/affected.py`` runs this on two sample sizes for crds's marginal rate.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("save")
    parser.add_argument("--old-context", default="hst_0650.pmap")
    parser.add_argument("--new-context", default="hst_0729.pmap")
    args = parser.parse_args()
    from tests.batch.crds_bestrefs import run_crds_bestrefs

    started = time.perf_counter()
    lines, _errors = run_crds_bestrefs(["--hst", "--load-pickles", args.save, "--old-context", args.old_context,
                                        "--new-context", args.new_context, "--diffs-only", "--datasets-since", "auto",
                                        "--print-affected"], diffs_only_from_pickles=True)
    print(json.dumps({"seconds": time.perf_counter() - started, "affected": len(lines)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
