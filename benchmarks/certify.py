"""Benchmark: `crds-batch certify --deep` on an rmap naming many generated references, beside `crds certify --deep`.

    python benchmarks/certify.py --references 400 --jobs 2 --workdir /tmp/bench-certify

Builds (once, in --workdir) a CRDS cache that links the test cache's
mappings and config and holds N generated HST ACS bias references (copies of
crds's test file hst_acs_biasfile_0001.fits, each with its own USEAFTER and
its own name), plus an rmap derived from the real hst_acs_biasfile_0345.rmap
whose one Match case names all of them by date. Then times both tools
certifying that rmap with --deep (every reference it names that is in the
cache) against hst_0729.pmap: crds-batch with 1 and with --jobs processes,
crds once. Prints one JSON line per run: seconds, files/s, verdict line
counts, and whether the ERROR/WARNING lines of the two tools are the same.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" if (HERE.parent.parent / "shared").exists() else Path("/work/shared")
CACHE = SHARED / "crds-cache-test"
SOURCE = SHARED / "crds-test-data" / "hst" / "hst_acs_biasfile_0001.fits"
RMAP = "hst_acs_biasfile_0345.rmap"
NEW_RMAP = "hst_acs_biasfile_9990.rmap"


def build(workdir: Path, count: int) -> Path:
    """The generated cache; rebuilt when the reference count differs."""
    from astropy.io import fits

    cache = workdir / f"cache-{count}"
    if (cache / "done").exists():
        return cache
    shutil.rmtree(cache, ignore_errors=True)
    (cache / "mappings").mkdir(parents=True)
    (cache / "mappings" / "hst").mkdir()
    for entry in (CACHE / "mappings" / "hst").iterdir():
        os.symlink(entry, cache / "mappings" / "hst" / entry.name)
    os.symlink(CACHE / "config", cache / "config")
    references = cache / "references" / "hst"
    references.mkdir(parents=True)
    start = datetime.datetime(2010, 1, 1)
    dates = []
    for number in range(count):
        name = f"gen{number:05d}_bia.fits"
        shutil.copy(SOURCE, references / name)
        when = start + datetime.timedelta(days=number)
        with fits.open(references / name, mode="update") as hdus:
            hdus[0].header["USEAFTER"] = when.strftime("%b %d %Y %H:%M:%S")
        dates.append((when.strftime("%Y-%m-%d %H:%M:%S"), name))
    text = (CACHE / "mappings" / "hst" / RMAP).read_text()
    header, _ = text.split("selector = ", 1)
    header = header.replace(f"'name' : '{RMAP}'", f"'name' : '{NEW_RMAP}'")
    key = "('WFC', 'ABCD', 2.0, 'ANY_FULL', 4144, 4136, 24.0, 0.0, 'N/A', 'N/A', 'N/A')"
    cases = "".join(f"        '{when}' : '{name}',\n" for when, name in dates)
    (cache / NEW_RMAP).write_text(f"{header}selector = Match({{\n    {key} : UseAfter({{\n{cases}    }}),\n}})\n")
    (cache / "done").write_text("")
    return cache


def run(command: list[str], cache: Path) -> tuple[float, subprocess.CompletedProcess]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CRDS_")}
    env["CRDS_PATH"] = str(cache)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cache, capture_output=True, text=True)
    return time.perf_counter() - started, done


def verdict_lines(stderr: str) -> list[str]:
    return sorted(line for line in stderr.splitlines() if line.startswith(("CRDS - ERROR", "CRDS - WARNING")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--references", type=int, default=400)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench-certify"))
    args = parser.parse_args(argv)
    cache = build(args.workdir, args.references)
    target = [f"./{NEW_RMAP}", "--deep", "--comparison-context", "hst_0729.pmap"]
    ours = [str(Path(sys.executable).parent / "crds-batch"), "certify", *target]
    runs = {
        "crds-batch --jobs 1": ours + ["--jobs", "1"],
        f"crds-batch --jobs {args.jobs}": ours + ["--jobs", str(args.jobs)],
        "crds certify": [sys.executable, "-m", "crds.certify", *target],
    }
    results = {name: run(command, cache) for name, command in runs.items()}
    reference = verdict_lines(results["crds certify"][1].stderr)
    for name, (seconds, done) in results.items():
        files = args.references + 1
        print(json.dumps({"run": name, "references": args.references, "seconds": round(seconds, 2),
                          "files_per_second": round(files / seconds, 1), "exit": done.returncode,
                          "errors_warnings_lines": len(verdict_lines(done.stderr)),
                          "same_lines_as_crds": verdict_lines(done.stderr) == reference}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
