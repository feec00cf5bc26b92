"""Bad lines, bad datasets, missing instrument or date: reported, the rest ingested."""
from __future__ import annotations

from crds_batch.store import Store, ingest

from .conftest import acs


def test_bad_lines_reported_with_file_and_line(tmp_path):
    save = tmp_path / "bad.json"
    lines = [acs(1), acs(2), acs(3)]
    import json
    text = [json.dumps({i: h}) for i, h in lines]
    text.insert(1, '{"J9:J9": {"INSTRUME": "ACS"')  # truncated line 2
    text.insert(3, "[1, 2]")  # line 4: not an object
    text.insert(4, "")  # blank lines are fine
    save.write_text("\n".join(text) + "\n")
    report = ingest([str(save)], str(tmp_path / "s"))
    assert not report.ok
    assert report.skipped_line_count == 2
    assert report.skipped_lines[0].startswith(f"{save}:2: invalid JSON")
    assert report.skipped_lines[1].startswith(f"{save}:4: not a JSON object")
    assert report.datasets == 3


def test_missing_instrument_and_date_are_dataset_errors(tmp_path):
    save = tmp_path / "a.json"
    import json
    rows = [acs(1), ("NOINST:NOINST", {"DETECTOR": "WFC"}), ("NODATE:NODATE", {"INSTRUME": "ACS"}),
            ("ERR:ERR", "error text from the archive")]
    save.write_text("".join(json.dumps({i: h}) + "\n" for i, h in rows))
    report = ingest([str(save)], str(tmp_path / "s"))
    assert report.dataset_error_count == 2
    assert any("NOINST:NOINST: no known instrument" in e for e in report.dataset_errors)
    assert any("ERR:ERR: parameters are not an object" in e for e in report.dataset_errors)
    assert report.missing_date_count == 1 and "NODATE:NODATE" in report.missing_dates[0]
    ids = Store(report.store).scan(columns=["dataset_id"]).column(0).to_pylist()
    assert sorted(ids) == ["J0000001Q:J0000001Q", "NODATE:NODATE"]


def test_partial_update_without_instrument_merges(tmp_path):
    import json
    save = tmp_path / "a.json"
    save.write_text(json.dumps(dict([acs(1)])) + "\n")
    update = tmp_path / "b.json"
    update.write_text(json.dumps({"J0000001Q:J0000001Q": {"BIASFILE": "b.fits"}}) + "\n")
    report = ingest([str(save), str(update)], str(tmp_path / "s"))
    assert report.ok
    [row] = Store(report.store).scan().to_pylist()
    assert row["BIASFILE"] == "b.fits" and row["INSTRUME"] == "ACS"
