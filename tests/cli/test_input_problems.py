"""What cannot be read from --params / --load-pickles files is an error that counts (issue 17 item 5).

Before: bad lines, datasets without an instrument, random bytes, UTF-16 and JSON-array files gave
"0 with errors" / "No errors" and exit 0.
"""
from __future__ import annotations

import json

import pytest

from crds_batch.cli.main import main
from crds_batch.synth import generate, write_save


@pytest.fixture(scope="module")
def good_lines(tmp_path_factory):
    save = tmp_path_factory.mktemp("inputs") / "hst.json"
    write_save(generate("hst_0729.pmap", 3, seed=8, invalid_fraction=0.0, early_fraction=0.0), str(save))
    return save.read_text().splitlines()


def _save(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _run(args, capfd):
    code = main(args)
    captured = capfd.readouterr()
    return code, captured.err.strip().splitlines()


def test_bad_lines_and_datasets_without_instrument_are_errors(good_lines, tmp_path, capfd):
    (dataset_id, header), = json.loads(good_lines[0]).items()
    header = {k: v for k, v in header.items() if k != "INSTRUME"}
    save = _save(tmp_path, "mixed.json", good_lines[1:] + [json.dumps({"X1:X1Q": header}), '{"bad json', "[1, 2]"])
    for args in (["bestrefs", "--load-pickles", save, "--new-context", "hst_0729.pmap"],
                 ["affected", "--old-context", "hst_0650.pmap", "--new-context", "hst_0729.pmap",
                  "--params", save, "--no-cluster", "--quiet"],
                 ["check-context", "--new-context", "hst_0729.pmap", "--params", save, "--no-cluster"]):
        code, err = _run(args, capfd)
        assert code == 1, (args[0], err)
        assert f"ERROR: {save}:4: invalid JSON: unexpected end of data (column 11)" in err, (args[0], err)
        assert f"ERROR: {save}:5: not a JSON object {{dataset_id: {{PARAM: value}}}}" in err, (args[0], err)
        assert any("X1:X1Q: no known instrument" in line for line in err), (args[0], err)


@pytest.mark.parametrize("content", [
    bytes(range(256)) * 40,
    "\n".join(['{"A:A": {"INSTRUME": "ACS"}}'] * 3).encode("utf-16"),
    b'[{"A:A": {"INSTRUME": "ACS"}}]',
], ids=["random-bytes", "utf-16", "json-array"])
@pytest.mark.parametrize("command", ["bestrefs", "affected", "check-context"])
def test_files_with_no_readable_dataset_are_one_line(content, command, tmp_path, capfd):
    save = tmp_path / "bad.json"
    save.write_bytes(content)
    args = {"bestrefs": ["bestrefs", "--load-pickles", str(save), "--new-context", "hst_0729.pmap"],
            "affected": ["affected", "--old-context", "hst_0650.pmap", "--new-context", "hst_0729.pmap",
                         "--params", str(save), "--no-cluster"],
            "check-context": ["check-context", "--new-context", "hst_0729.pmap", "--params", str(save),
                              "--no-cluster"]}[command]
    code, err = _run(args, capfd)
    assert code == 3
    assert len(err) == 1 and err[0].startswith(f"ERROR: {save}: no datasets could be read ("), err
