"""A reader running crds-batch's bestrefs on a cache over and over while syncs run (fault tests).

    python -m tests.sync.reader PARAMS.json STOP_FILE

Prints one line per lookup: the context in use; any exception is printed as ``ERROR ...`` and makes
the exit status 1. Runs with ``CRDS_PATH`` set to the cache being synced.
"""
from __future__ import annotations

import json
import os
import sys
import time


def main(params_path: str, stop_file: str) -> int:
    from crds_batch import getrecommendations
    from crds_batch.cache.server_config import forget_server_configs, resolve_context

    with open(params_path) as handle:
        datasets = json.load(handle)
    failures = 0
    while not os.path.exists(stop_file):
        forget_server_configs()  # see each new config, as a new process would
        try:
            context = resolve_context(None, "hst")
            for params in datasets:
                best = getrecommendations(params, context=context, observatory="hst")
                assert best, "no answer"
            print(context, flush=True)
        except Exception as exc:  # noqa: BLE001 - any failure is what the test looks for
            failures += 1
            print(f"ERROR {type(exc).__name__}: {exc}", flush=True)
        time.sleep(0.01)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
