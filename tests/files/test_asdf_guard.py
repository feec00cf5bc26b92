"""ASDF trees that YAML aliases expand past any dataset ("billion laughs") are refused in one line, fast."""
from __future__ import annotations

import asdf
import pytest

from crds_batch.cli.main import main
from crds_batch.files.asdf_guard import TreeTooLarge, check_tree_size
from crds_batch.files.headers import HeaderError, read_parameters


def laughs(path, levels: int, width: int = 9):
    """An ASDF file whose meta names a list of width**levels strings through nested aliases."""
    lines = ["#ASDF 1.0.0", "#ASDF_STANDARD 1.5.0", "%YAML 1.1", "%TAG ! tag:stsci.edu:asdf/",
             "--- !core/asdf-1.1.0", "a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    lines += ["meta:", "  telescope: JWST", "  instrument: {name: NIRCAM}", f"  bomb: *a{levels - 1}", "..."]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.timeout(60)
def test_billion_laughs_is_refused_in_one_line(tmp_path, capfd):
    bomb = laughs(tmp_path / "bomb.asdf", levels=9)
    assert bomb.stat().st_size < 1000
    with pytest.raises(HeaderError, match="expands to more than 2000000 nodes"):
        read_parameters(str(bomb))
    code = main(["bestrefs", "--files", str(bomb), "--new-context", "jwst_0541.pmap"])
    err = capfd.readouterr().err
    assert code != 0 and "bomb.asdf" in err and "YAML aliases" in err
    assert "Traceback" not in err


def test_small_aliased_tree_still_reads(tmp_path):
    small = laughs(tmp_path / "small.asdf", levels=3)
    check_tree_size(str(small))
    assert read_parameters(str(small)).parameters["META.INSTRUMENT.NAME"] == "NIRCAM"


def test_bounds_are_counted_as_expanded(tmp_path):
    small = laughs(tmp_path / "small.asdf", levels=3)  # 9**3 strings once expanded
    with pytest.raises(TreeTooLarge):
        check_tree_size(str(small), max_nodes=500)
    with pytest.raises(TreeTooLarge, match="larger than 100 bytes"):
        check_tree_size(str(small), max_bytes=100)


def test_files_written_by_asdf_read(tmp_path, test_data_dir):
    path = tmp_path / "written.asdf"
    asdf.AsdfFile({"meta": {"telescope": "JWST", "instrument": {"name": "MIRI"},
                            "observation": {"date": "2023-01-01"}}}).write_to(str(path))
    check_tree_size(str(path))
    assert read_parameters(str(path)).parameters["META.INSTRUMENT.NAME"] == "MIRI"
    check_tree_size(str(test_data_dir / "jwst" / "valid.asdf"))
