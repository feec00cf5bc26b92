from __future__ import annotations

import json

import pytest


def write_lines(path, rows):
    """Write ``{id: header}`` rows as a crds .json save."""
    with open(path, "w") as handle:
        for dataset_id, header in rows:
            handle.write(json.dumps({dataset_id: header}) + "\n")
    return str(path)


def acs(i: int, **extra) -> tuple[str, dict]:
    header = {"INSTRUME": "ACS", "DETECTOR": "WFC", "CCDAMP": "ABCD", "DATE-OBS": f"2005-0{i % 9 + 1}-01",
              "TIME-OBS": "12:00:00", "DARKFILE": f"jref$d{i:05d}_drk.fits"}
    header.update(extra)
    return f"J{i:07d}Q:J{i:07d}Q", header


@pytest.fixture
def small_save(tmp_path):
    return write_lines(tmp_path / "small.json", [acs(i) for i in range(50)])
