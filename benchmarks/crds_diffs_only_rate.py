"""crds's own --diffs-only rate on the affected benchmark's samples (the like-for-like baseline).

    CRDS_PATH=../shared/crds-cache-test python benchmarks/crds_diffs_only_rate.py

Offline, crds cannot run --diffs-only with --load-pickles (it asks the server
for headers); the test harness tests/batch/crds_bestrefs.py serves it the same
headers. Run benchmarks/affected.py first: it writes the samples.
"""
import os
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tests.batch.crds_bestrefs import run_crds_bestrefs
times = {}
for n in (500, 2000):
    path = f"/tmp/bench-aff-1m/sample_{n}.json"
    t = time.perf_counter()
    lines, errors = run_crds_bestrefs(["--hst", "--load-pickles", path, "--old-context", "hst_0650.pmap",
                                       "--new-context", "hst_0729.pmap", "--diffs-only", "--datasets-since", "auto",
                                       "--print-affected"], diffs_only_from_pickles=True)
    times[n] = time.perf_counter() - t
    print(n, round(times[n], 1), len(lines))
print("crds --diffs-only marginal datasets/s:", round(1500 / (times[2000] - times[500]), 1))
