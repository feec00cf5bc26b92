"""Benchmark: ingest a generated 1,000,000-line crds .json save into a store.

    python benchmarks/ingest.py [--lines 1000000] [--workdir DIR] [--keep]

Generates the save (HST-like parameter sets: ACS/WFC3/COS/STIS, ~30 string
parameters each, prior assignments included, realistic ids and dates), then
runs the ingest in a child process and prints datasets/s, CPU seconds and
the child's peak RSS (ru_maxrss), which covers the ingest alone.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

INSTRUMENTS = {
    "ACS": ["DETECTOR", "CCDAMP", "CCDGAIN", "CCDOFSTA", "CCDOFSTB", "CCDOFSTC", "CCDOFSTD", "FILTER1",
            "FILTER2", "APERTURE", "OBSTYPE", "NAXIS1", "NAXIS2", "LTV1", "LTV2", "XCORNER", "YCORNER",
            "SHUTRPOS", "FLASHCUR", "FW1OFFST", "FW2OFFST", "FWSOFFST",
            "DARKFILE", "BIASFILE", "PFLTFILE", "FLSHFILE", "BPIXTAB", "CCDTAB"],
    "WFC3": ["DETECTOR", "CCDAMP", "CCDGAIN", "FILTER", "APERTURE", "OBSTYPE", "SUBARRAY", "SAMP_SEQ",
             "CHINJECT", "FLASHCUR", "BINAXIS1", "BINAXIS2", "NAXIS1", "NAXIS2",
             "DARKFILE", "BIASFILE", "PFLTFILE", "FLSHFILE", "BPIXTAB", "CCDTAB", "NLINFILE"],
    "COS": ["DETECTOR", "OBSTYPE", "OPT_ELEM", "CENWAVE", "APERTURE", "SEGMENT", "EXPTYPE", "FPOFFSET",
            "LIFE_ADJ", "OBSMODE", "FLATFILE", "DEADTAB", "BPIXTAB", "HVTAB", "BRFTAB", "GEOFILE", "WCPTAB"],
    "STIS": ["DETECTOR", "OPT_ELEM", "CENWAVE", "APERTURE", "OBSTYPE", "CCDAMP", "CCDGAIN", "CCDOFFST",
             "BINAXIS1", "BINAXIS2", "DARKFILE", "BIASFILE", "PFLTFILE", "LFLTFILE", "BPIXTAB", "CCDTAB"],
}
VALUES = ["WFC", "HRC", "UVIS", "IR", "A", "B", "ABCD", "2.0", "1.0", "4.0", "N/A", "F606W", "CLEAR1L",
          "CLEAR2L", "FULLFRAME", "EXT", "4144.0", "2068.0", "0.0", "24.0", "PERFORM", "OMIT", "FUVA", "1309.0"]


def generate(path: str, lines: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    names = list(INSTRUMENTS)
    with open(path, "w") as out:
        for i in range(lines):
            instrument = names[i % len(names)]
            header = {"INSTRUME": instrument}
            for key in INSTRUMENTS[instrument]:
                if key.endswith(("FILE", "TAB")):
                    header[key] = f"jref${rng.randrange(1 << 30):08x}_{key[:3].lower()}.fits"
                else:
                    header[key] = VALUES[rng.randrange(len(VALUES))]
            header["DATE-OBS"] = f"{2002 + i % 20}-{1 + i % 12:02d}-{1 + i % 28:02d}"
            header["TIME-OBS"] = f"{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}"
            exposure = f"{instrument[0]}{i:08d}Q".upper()
            out.write(json.dumps({f"{exposure}:{exposure}": header}) + "\n")


CHILD = """
import json, resource, sys, time
from crds_batch.store import ingest
t0, c0 = time.perf_counter(), time.process_time()
report = ingest([sys.argv[1]], sys.argv[2], replace=True)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"datasets": report.datasets, "read": report.datasets_read, "wall": wall, "cpu": cpu,
                  "peak_rss_mib": peak_kib / 1024, "ok": report.ok}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--keep", action="store_true", help="Keep the generated save and store.")
    parser.add_argument("--repeat", type=int, default=1, help="Ingest this many times (report each).")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="crds-batch-bench-", dir=args.workdir)
    try:
        save = os.path.join(workdir, "params.json")
        t0 = time.perf_counter()
        generate(save, args.lines)
        size = os.path.getsize(save)
        print(f"generated {args.lines} lines, {size / 1e6:.0f} MB in {time.perf_counter() - t0:.1f} s", flush=True)
        for _ in range(args.repeat):
            out = subprocess.run([sys.executable, "-c", CHILD, save, os.path.join(workdir, "store")],
                                 check=True, capture_output=True, text=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
            rate = result["read"] / result["wall"]
            print(f"ingest: {result['read']} datasets in {result['wall']:.2f} s wall "
                  f"({rate:,.0f} datasets/s; {result['read'] / result['cpu']:,.0f} datasets/CPU-s), "
                  f"{size / result['wall'] / 1e6:.0f} MB/s, peak RSS {result['peak_rss_mib']:.0f} MiB, "
                  f"stored {result['datasets']}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
