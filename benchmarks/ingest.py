"""Benchmark: ingest a generated 1,000,000-line crds .json save into a store.

    python benchmarks/ingest.py [--lines 1000000] [--workdir DIR] [--keep] [--save FILE] [--workers N]

Generates the save (HST-like parameter sets: ACS/WFC3/COS/STIS, ~30 string
parameters each, prior assignments included, realistic ids and dates), then
runs the ingest in a child process and prints datasets/s, CPU seconds and
the peak RSS of the ingest process and of its largest worker (ru_maxrss),
and the load average before and after (the machine may be shared).
"""
from __future__ import annotations

import argparse
import json
import os
import random
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
report = ingest([sys.argv[1]], sys.argv[2], replace=True, workers=int(sys.argv[3]) or None)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"datasets": report.datasets, "read": report.datasets_read, "wall": wall,
                  "cpu": cpu + kids.ru_utime + kids.ru_stime, "peak_rss_mib": me.ru_maxrss / 1024,
                  "worker_peak_rss_mib": kids.ru_maxrss / 1024, "ok": report.ok}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--keep", action="store_true", help="Keep the generated save and store.")
    parser.add_argument("--repeat", type=int, default=1, help="Ingest this many times (report each).")
    parser.add_argument("--save", default=None, help="Ingest this save (generated there if absent) and keep it.")
    parser.add_argument("--workers", type=int, default=0, help="Worker processes (default: the setting/CPUs).")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="crds-batch-bench-", dir=args.workdir)
    try:
        save = args.save or os.path.join(workdir, "params.json")
        if not os.path.exists(save):
            t0 = time.perf_counter()
            generate(save, args.lines)
            print(f"generated {args.lines} lines in {time.perf_counter() - t0:.1f} s", flush=True)
        size = os.path.getsize(save)
        for _ in range(args.repeat):
            before = os.getloadavg()[0]
            out = subprocess.run([sys.executable, "-c", CHILD, save, os.path.join(workdir, "store"),
                                  str(args.workers)], check=True, capture_output=True, text=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
            rate = result["read"] / result["wall"]
            print(f"ingest: {result['read']} datasets ({size / 1e6:.0f} MB) in {result['wall']:.2f} s wall "
                  f"({rate:,.0f} datasets/s; {result['read'] / result['cpu']:,.0f} datasets/CPU-s, all processes), "
                  f"peak RSS {result['peak_rss_mib']:.0f} MiB + worker {result['worker_peak_rss_mib']:.0f} MiB, "
                  f"stored {result['datasets']}, load average {before:.1f} -> {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
