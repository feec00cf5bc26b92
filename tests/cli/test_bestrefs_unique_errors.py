"""``crds-batch bestrefs --load-pickles --dump-unique-errors`` prints crds's error-class block (issue 15).

The per-dataset ERROR lines stay as they are; the block aggregates them
exactly as ``crds bestrefs --load-pickles X --dump-unique-errors`` logs it.
Also: the column-wise path for trouble-free datasets gives the same
``--print-new-references`` lines as crds.
"""
from __future__ import annotations

import pytest

from crds_batch.cli.main import main
from crds_batch.synth import generate, write_save
from tests.batch.test_check_oracle import crds_run, dump_block

pytestmark = pytest.mark.oracle

CONTEXT = "hst_0729.pmap"


@pytest.fixture(scope="module")
def save(tmp_path_factory):
    path = tmp_path_factory.mktemp("hst") / "hst.json"
    write_save(generate(CONTEXT, 600, seed=23, invalid_fraction=0.08, prior_fraction=0.5), str(path))
    return str(path)


@pytest.mark.parametrize("threshold", [1, 3])
def test_dump_unique_errors_equals_crds(save, capsys, threshold):
    _out, crds_log = crds_run(["--hst", "--load-pickles", save, "--new-context", CONTEXT, "--dump-unique-errors",
                               "--unique-threshold", str(threshold)])
    code = main(["bestrefs", "--load-pickles", save, "--new-context", CONTEXT, "--dump-unique-errors",
                 "--unique-threshold", str(threshold), "-q"])
    ours = capsys.readouterr().out.splitlines()
    expected = dump_block(crds_log)
    assert len(expected) > 6, "the corpus should give several error classes"
    assert dump_block(ours) == expected
    assert code == 1


@pytest.mark.parametrize("compare", [[], ["--old-context", "hst_0700.pmap"]])
def test_print_new_references_equals_crds(save, capsys, compare):
    crds_out, _log = crds_run(["--hst", "--load-pickles", save, "--new-context", CONTEXT, *compare,
                               "--print-new-references"])
    main(["bestrefs", "--load-pickles", save, "--new-context", CONTEXT, *compare, "--print-new-references", "-q"])
    ours = capsys.readouterr().out.splitlines()
    assert len(ours) > 100
    assert ours == crds_out
