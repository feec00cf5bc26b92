"""Array, expression and SYNPHOT constraints (crds's .tpn rows beyond keyword values) against ``crds certify``.

crds's test files hold HST SYNPHOT references (graph, lookup, throughput and
thermal tables, good and bad) but no WFC3 PCTETAB/IMPHTTAB (the HST types
with array and column-expression constraints), so those are generated here,
clean and mutated (an array of the wrong shape, type or kind, a missing
required array, a missing table column, a column value an expression
refuses). Both tools must give the same verdict and the same messages,
offending array, column, expression and row index included.
"""
from __future__ import annotations

import shutil

import numpy as np
import pytest
from astropy.io import fits

from .crds_runner import certify_both, crds_lines

pytestmark = pytest.mark.oracle

CONTEXT = "hst_0729.pmap"
MESSAGES = ("Checking '", "Missing required array", "Missing suggested", "Malformed FILENAME", "TMG contains",
            "First value of column", "Last value of column", "Table is parametrized", "Invalid filename",
            "New filename version", "No previous file", "Previous filename", "Header missing COMPNAME",
            "Group keys", "Constraint ")


def constraint_lines(stderr: str) -> list[str]:
    return sorted(line for line in crds_lines(stderr) if any(text in line for text in MESSAGES))


def assert_same(path, tmp_path, capsys, must_complain=True):
    code, ours, theirs = certify_both(str(path), CONTEXT, tmp_path, capsys)
    expected = constraint_lines(theirs.stderr)
    if must_complain:
        assert expected, "the mutation must be something crds objects to"
    assert constraint_lines(ours) == expected
    assert code == (1 if theirs.returncode else 0)


# SYNPHOT: crds's own test files -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "16n1832tm_tmc.fits",  # lookup: bad prefixes, a missing parametrization
    "43h1240om_tmc.fits", "hst_synphot_tmc_passes.fits",  # clean lookups
    "hst_synphot_tmc_bad_filename.fits", "hst_synphot_malformed_filename_tmc.fits",
    "tae17277m_tmt.fits", "hst_synphot_malformed_filename_tmt.fits",
    "2381905mm_tmg.fits", "hst_synphot_tmg_connected.fits", "hst_synphot_extra_tmg.fits",
    "hst_synphot_missing_tmg.fits", "hst_synphot_tmg_disconnected.fits",  # graph: a row not reached
    "acs_f555w_hrc_006_syn.fits", "wfc3_uvis_f469nf2_003_syn.fits",  # version not above the context's
    "hst_synphot_new_syn.fits", "hst_synphot_new_th.fits",  # badly named, first/last throughput not 0
    "wfc3_ir_f098m_002_th.fits", "wfc3_ir_g141_src_003_th.fits", "wfc3_ir_g141_src_999_th.fits",
])
def test_synphot_checks_match_crds_on_test_files(test_data_dir, tmp_path, capsys, name):
    assert_same(test_data_dir / "hst" / name, tmp_path, capsys, must_complain=False)


def _mutated_copy(source, target, change):
    with fits.open(source) as hdus:
        hdus = fits.HDUList([hdu.copy() for hdu in hdus])
        change(hdus)
        hdus.writeto(target, checksum=True)


def _set_cell(column, row, value):
    return lambda hdus: hdus[-1].data[column].__setitem__(row, value)


def _renamed_component(hdus):
    hdus[0].header["COMPNAME"] = "ACS_F555W_HRC"


def _drop_column(name):
    def change(hdus):
        columns = [column for column in hdus[-1].columns if column.name != name]
        hdus[-1] = fits.BinTableHDU.from_columns(columns, header=hdus[-1].header)
    return change


SYNPHOT_MUTATIONS = {
    # (source file, new name, change)
    "tmc_upper_compname": ("hst_synphot_tmc_passes.fits", "t1_tmc.fits", _set_cell("COMPNAME", 2, "ACS_BLOCK1")),
    "tmc_prefix": ("hst_synphot_tmc_passes.fits", "t2_tmc.fits", _set_cell("FILENAME", 1, "crwfc3comp$x_001_syn.fits")),
    "tmc_parametrized": ("hst_synphot_tmc_passes.fits", "t3_tmc.fits", lambda hdus: hdus[-1].data["FILENAME"].__setitem__(
        0, hdus[-1].data["FILENAME"][0] + "[mjd#]")),
    "tmc_no_compname": ("hst_synphot_tmc_passes.fits", "t4_tmc.fits", _drop_column("COMPNAME")),
    "tmg_zero_innode": ("hst_synphot_tmg_connected.fits", "t5_tmg.fits", _set_cell("INNODE", 3, 0)),
    "tmg_backwards": ("hst_synphot_tmg_connected.fits", "t6_tmg.fits", _set_cell("OUTNODE", 5, 1)),
    "tmg_empty_keyword": ("hst_synphot_tmg_connected.fits", "t7_tmg.fits", _set_cell("KEYWORD", 2, "")),
    "syn_upper_compname": ("acs_f555w_hrc_006_syn.fits", "acs_f555w_hrc_099_syn.fits", _renamed_component),
    "syn_last_not_zero": ("acs_f555w_hrc_006_syn.fits", "acs_f555w_hrc_098_syn.fits", _set_cell("THROUGHPUT", -1, 0.5)),
    "th_unnumbered": ("wfc3_ir_f098m_002_th.fits", "wfc3_ir_f098m_th.fits", lambda hdus: None),
    # crds's checks fail on these (one tracked error each, as crds traps them); the column errors come twice
    "syn_no_compname": ("acs_f555w_hrc_006_syn.fits", "acs_f555w_hrc_097_syn.fits",
                        lambda hdus: hdus[0].header.remove("COMPNAME")),
    "tmg_no_outnode": ("hst_synphot_tmg_connected.fits", "t9_tmg.fits", _drop_column("OUTNODE")),
}


@pytest.mark.parametrize("mutation", sorted(SYNPHOT_MUTATIONS))
def test_synphot_checks_match_crds_on_mutated_tables(test_data_dir, tmp_path, capsys, mutation):
    source, name, change = SYNPHOT_MUTATIONS[mutation]
    target = tmp_path / name
    _mutated_copy(test_data_dir / "hst" / source, target, change)
    assert_same(target, tmp_path, capsys)


# WFC3 PCTETAB: array constraints -----------------------------------------------------------------------------

def _primary(cards):
    primary = fits.PrimaryHDU()
    for key, value in cards:
        primary.header[key] = value
    return primary


def write_pctetab(path, mutation=None):
    primary = _primary([("INSTRUME", "WFC3"), ("FILETYPE", "PIXCTE"), ("DETECTOR", "UVIS"), ("BINAXIS1", 1),
                        ("BINAXIS2", 1), ("USEAFTER", "Jan 01 2009 00:00:00"),
                        ("PEDIGREE", "INFLIGHT 01/01/2009 01/01/2012"), ("DESCRIP", "generated pixel CTE table")])
    qcols = [fits.Column("W", "J", array=np.arange(1, 4)), fits.Column("QLEV_Q", "J", array=np.arange(3)),
             fits.Column("DPDE_W", "E", array=np.ones(3)), fits.Column("DESCRIP", "20A", array=["a", "b", "c"])]
    if mutation == "qprof_missing_column":
        qcols = [column for column in qcols if column.name != "DPDE_W"]
    if mutation == "qprof_wrong_column_type":
        qcols[0] = fits.Column("W", "E", array=np.arange(1.0, 4.0))
    scols = ([fits.Column("IZ", "J", array=np.arange(3))]
             + [fits.Column(f"SENS_{n}", "E", array=np.ones(3)) for n in ("0512", "1024", "1536", "2048")]
             + [fits.Column("DESCRIP", "20A", array=["a", "b", "c"])])
    rprof = {"rprof_wrong_shape": np.zeros((2, 3, 3), np.float32),
             "rprof_wrong_type": np.zeros((3, 3), np.int16)}.get(mutation, np.zeros((3, 3), np.float32))
    cprof = np.zeros((3, 4) if mutation == "cprof_wrong_width" else (3, 3), np.float32)
    hdus = [primary, fits.BinTableHDU.from_columns(qcols, name="QPROF"),
            fits.BinTableHDU.from_columns(scols, name="SCLBYCOL"),
            (fits.BinTableHDU.from_columns([fits.Column("X", "E", array=np.ones(3))], name="RPROF")
             if mutation == "rprof_table" else fits.ImageHDU(rprof, name="RPROF")),
            fits.ImageHDU(cprof, name="CPROF")]
    if mutation == "cprof_missing":
        hdus.pop()
    fits.HDUList(hdus).writeto(path, checksum=True)


PCTE_MUTATIONS = ["qprof_missing_column", "qprof_wrong_column_type", "rprof_wrong_shape", "rprof_wrong_type",
                  "rprof_table", "cprof_wrong_width", "cprof_missing"]


def test_generated_pctetab_is_clean_for_both(tmp_path, capsys):
    path = tmp_path / "wfc3_pcte_clean.fits"
    write_pctetab(path)
    assert_same(path, tmp_path, capsys, must_complain=False)


@pytest.mark.parametrize("mutation", PCTE_MUTATIONS)
def test_array_constraints_match_crds_on_mutated_pctetab(tmp_path, capsys, mutation):
    path = tmp_path / f"wfc3_pcte_{mutation}.fits"
    write_pctetab(path, mutation)
    assert_same(path, tmp_path, capsys)


# WFC3 IMPHTTAB: conditional array constraints and column expressions ---------------------------------------------

def write_imphttab(path, mutation=None):
    primary = _primary([("INSTRUME", "WFC3"), ("FILETYPE", "IMAGE PHOTOMETRY TABLE"), ("DETECTOR", "UVIS"),
                        ("SYNSWVER", "1.0"), ("GRAPHTAB", "g_tmg.fits"), ("COMPTAB", "c_tmc.fits"),
                        ("ORIGIN", "tests"), ("PARNUM", 1), ("USEAFTER", "Jan 01 2009 00:00:00"),
                        ("PEDIGREE", "INFLIGHT 01/01/2009 01/01/2012"), ("DESCRIP", "generated photometry table")])
    tables = []
    for name in ("PHOTFLAM", "PHOTPLAM", "PHOTBW"):
        columns = [fits.Column("OBSMODE", "20A", array=["uvis1,f200lp", "uvis2,f200lp"]),
                   fits.Column("DATACOL", "10A", array=[name, name + "1"]),
                   fits.Column(name, "E" if not (mutation == "photbw_int" and name == "PHOTBW") else "J",
                               array=np.ones(2)),
                   fits.Column("PEDIGREE", "10A", array=["GROUND", "GROUND"]),
                   fits.Column("DESCRIP", "10A", array=["x", "y"])]
        if name == "PHOTFLAM":
            par = fits.Column("PAR1NAMES", "8A", array=["MJD#", "WRONG" if mutation == "bad_par1names" else ""])
            nelem = fits.Column("NELEM1", "J", array=[2, -1 if mutation == "negative_nelem" else 0])
            columns += [nelem, par, fits.Column("PAR1VALUES", "2D", array=np.ones((2, 2))),
                        fits.Column("PHOTFLAM1", "2D", array=np.ones((2, 2)))]
            if mutation == "photflam1_without_nelem":
                columns = [column for column in columns if column.name != "NELEM1"]
        tables.append(fits.BinTableHDU.from_columns(columns, name=name))
    fits.HDUList([primary, *tables]).writeto(path, checksum=True)


IMP_MUTATIONS = ["negative_nelem", "bad_par1names", "photbw_int", "photflam1_without_nelem"]


def test_generated_imphttab_is_clean_for_both(tmp_path, capsys):
    path = tmp_path / "wfc3_imp_clean.fits"
    write_imphttab(path)
    assert_same(path, tmp_path, capsys, must_complain=False)


@pytest.mark.parametrize("mutation", IMP_MUTATIONS)
def test_expression_constraints_match_crds_on_mutated_imphttab(tmp_path, capsys, mutation):
    path = tmp_path / f"wfc3_imp_{mutation}.fits"
    write_imphttab(path, mutation)
    assert_same(path, tmp_path, capsys)


def test_tpn_expressions_of_hst_all_compile_in_the_safe_dialect():
    """Every HST .tpn presence condition and constraint expression is in the language we evaluate."""
    import json
    from importlib import resources

    from crds_batch.certify.tpn_expressions import compile_tpn_expression

    data = json.loads(resources.files("crds_batch.observatories").joinpath("hst_constraints.json").read_text())
    expressions = {presence for rows in data["files"].values() for _, _, _, presence, _ in rows
                   if presence.startswith("(")}
    expressions |= {values[0] for rows in data["files"].values() for _, _, _, _, values in rows
                    if values and values[0].startswith("(")}
    assert len(expressions) > 30
    for source in sorted(expressions):
        compile_tpn_expression(source)


def test_copied_clean_synphot_file_keeps_its_verdict(test_data_dir, tmp_path, capsys):
    target = tmp_path / "wfc3_ir_g141_src_999_th.fits"
    shutil.copy(test_data_dir / "hst" / target.name, target)
    assert_same(target, tmp_path, capsys, must_complain=False)


# WFPC2 GEIS references: header constraints and crds's unsupported group constraint ---------------------------------

@pytest.mark.parametrize("name", ["dbu1405fu.r1h", "dbu1405iu.r1h", "e1b09593u.r1h", "valid.r1h"])
def test_geis_references_match_crds(test_data_dir, tmp_path, capsys, name):
    assert_same(test_data_dir / "hst" / name, tmp_path, capsys, must_complain=False)


@pytest.mark.parametrize("card,value", [("MODE    ", "'HALF    '"), ("ATODGAIN", "                 99.0")])
def test_geis_constraints_match_crds_on_mutated_header(test_data_dir, tmp_path, capsys, card, value):
    lines = (test_data_dir / "hst" / "valid.r1h").read_text().splitlines(keepends=True)
    lines = [(f"{card}= {value}".ljust(31) + "/".ljust(49) + "\n") if line.startswith(card + "=") else line
             for line in lines]
    path = tmp_path / "valid.r1h"
    path.write_text("".join(lines))
    assert_same(path, tmp_path, capsys)


def test_synphot_facts_are_what_the_installed_crds_regenerates():
    import importlib.util
    import json
    from importlib import resources
    from pathlib import Path

    script = Path(__file__).parents[2] / "scripts" / "regenerate_synphot_rules.py"
    spec = importlib.util.spec_from_file_location("regenerate_synphot_rules", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stored = json.loads(resources.files("crds_batch.observatories").joinpath("hst_synphot.json").read_text())
    assert stored == json.loads(json.dumps(module.synphot_rules()))
