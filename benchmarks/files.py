"""Workstation bestrefs throughput: files/s of ``crds-batch bestrefs --files --update-bestrefs``.

Makes N copies of a small HST dataset (a raw file's headers over 10x10 pixels), times our update of all of them, and
crds's on a sample (crds is slow: it is timed on --crds-sample copies and
reported per file).  Needs CRDS_PATH pointing at a cache holding the context.

    python benchmarks/files.py --count 1000 --context hst_0729.pmap
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "shared" / "crds-test-data" / "hst" / "j8bt09jcq_raw.fits"


def small_dataset(source: Path, path: Path) -> Path:
    """A small FITS dataset: the raw file's primary header and its first extension's header over 10x10 pixels."""
    import numpy as np
    from astropy.io import fits

    with fits.open(source) as hdulist:
        primary = fits.PrimaryHDU(header=hdulist[0].header)
        header = hdulist[1].header.copy()
    fits.HDUList([primary, fits.ImageHDU(np.zeros((10, 10), np.int16), header=header)]).writeto(path)
    return path


def _copies(directory: Path, count: int, source: Path) -> list[str]:
    directory.mkdir()
    return [str(shutil.copy(source, directory / f"d{i:05d}_raw.fits")) for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--context", default="hst_0729.pmap")
    parser.add_argument("--crds-sample", type=int, default=50, help="files timed with crds (0: skip)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--source", type=Path, default=SOURCE)
    args = parser.parse_args()
    from crds_batch.files.bestrefs import FilesRequest, run_files

    with tempfile.TemporaryDirectory() as tmp:
        args.source = small_dataset(args.source, Path(tmp) / "small_raw.fits")
        files = _copies(Path(tmp) / "ours", args.count, args.source)
        started = time.perf_counter()
        result = run_files(FilesRequest(tuple(files), new_context=args.context, update=True, workers=args.workers))
        ours = time.perf_counter() - started
        written = sum(o.written for o in result.outcomes)
        print(f"crds-batch: {args.count} files in {ours:.2f} s = {args.count / ours:.0f} files/s "
              f"({written} written, {result.error_count} errors, workers={args.workers or os.cpu_count()})")
        if args.crds_sample:
            from crds.bestrefs import bestrefs

            sample = _copies(Path(tmp) / "crds", args.crds_sample, args.source)
            started = time.perf_counter()
            bestrefs.BestrefsScript(["crds.bestrefs", "--hst", "--files", *sample, "--new-context", args.context,
                                     "--update-bestrefs"])()
            theirs = time.perf_counter() - started
            print(f"crds:       {args.crds_sample} files in {theirs:.2f} s = {args.crds_sample / theirs:.0f} files/s")


if __name__ == "__main__":
    main()
