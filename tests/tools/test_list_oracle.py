"""``crds-batch list`` cache switches print what ``crds list`` (13.2.7) prints on the same cache.

crds runs offline (readonly cache, no server) where it can; the switches that
ask crds's server for the list of contexts (``--range``, ``--last``, ``--all``)
run it against ``crds-batch serve`` of the same cache.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from crds_batch.cli.main import main
from tests.conftest import CACHE
from tests.server.servers import client_env, run_crds, serving


def crds_offline(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CRDS_")}
    env.update(CRDS_PATH=str(CACHE), CRDS_READONLY_CACHE="1")
    return subprocess.run([sys.executable, "-m", "crds.list", *args], env=env, capture_output=True, text=True,
                          timeout=600, cwd=cwd)


def ours(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["list", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.oracle
@pytest.mark.parametrize("args", [
    ["--mappings", "--contexts", "hst_0729.pmap"],
    ["--mappings", "--contexts", "jwst_0541.pmap", "hst_0700.pmap"],
    ["--references", "--contexts", "hst_0729.pmap", "jwst_0541.pmap"],
    ["--references", "--mappings", "--contexts", "hst_acs_0421.imap", "hst_cos_deadtab_0250.rmap"],
    ["--resolve-contexts", "--contexts", "hst_0729.pmap", "hst_acs_0421.imap"],
    ["--mappings", "--full-path", "--contexts", "roman_0004.pmap", "--roman"],
    ["--cached-mappings", "--hst"],
    ["--cached-mappings", "--full-path", "--roman"],
    ["--cached-references", "--hst"],
    ["--cached-references", "--full-path", "--roman"],
    ["--cat", "hst_acs_0421.imap", "--hst"],
    ["--cat", "jwst_fgs_0073.imap", "jwst_0541.pmap", "--add-filenames", "--jwst"],
    ["--cat", "--mappings", "--contexts", "roman_0004.pmap", "--add-filenames", "--roman"],
    ["--cat", "v8q14451j_idc.fits", "z1q2219el_2zx.fits", "--hst"],  # FITS tables in the cache
    ["--cat", "z1r1943el_1dx.fits", "hst_acs_0421.imap", "--hst", "--add-filenames"],
    ["--cat", "{test_data}/hst/j8bt05njq_raw.fits", "--hst", "--add-filenames"],  # images, HDUs without data
    ["--cat", "{test_data}/test-source.fits", "--hst"],
    ["--cat", "roman_wfi_dark_0001.asdf", "roman_wfi_pars-exposurepipeline_0001.asdf", "--roman", "--add-filenames"],
    ["--cat", "roman_wfi_distortion_0001.asdf", "roman_wfi_epsf_0001.asdf", "--roman"],
    ["--cat", "v8q14451j_idc.fits", "--keywords", "DET", "FILE", "--hst"],  # header keys containing a word
    ["--cat", "{test_data}/hst/j8bt05njq_raw.fits", "--no-arrays", "--hst", "--add-filenames"],
    ["--cat", "roman_wfi_dark_0001.asdf", "--keywords", "META.INSTRUMENT", "--no-arrays", "--roman"],
    # JWST FITS: keywords also under their data-model names (and vice versa), as crds cross-straps them
    ["--cat", "{test_data}/jwst/jwst_miri_ipc_0004.fits", "{test_data}/jwst/niriss_ref_photom.fits", "--jwst",
     "--add-filenames"],
    ["--cat", "{test_data}/jwst/jwst_miri_flat_slitlessprism.fits", "--keywords", "META.INSTRUMENT", "--jwst"],
    ["--cat", "{test_data}/jwst/jwst_nirspec_ipc_with_asdf_extension.fits", "--no-arrays", "--jwst"],
    ["--cat", "{test_data}/jwst/valid.asdf", "{test_data}/jwst/jwst_nirspec_ifupost_0004.asdf", "--jwst"],
    ["--cat", "{test_data}/hst/e1b09593u.r1h", "{test_data}/hst/valid.r1h", "--hst", "--add-filenames"],  # GEIS
    ["--cat", "{test_data}/hst/e1b09593u.r1h", "--keywords", "FILE", "HISTORY", "--hst"],
    # --tpns: references (cached or not: the name tells the type), rmaps, imaps, pmaps; files that do not exist
    ["--tpns", "hst_acs_0421.imap", "hst_cos_deadtab_0250.rmap", "z1r1943el_1dx.fits", "v8q14451j_idc.fits", "--hst"],
    ["--tpns", "jwst_nircam_dark_0001.fits", "jwst_fgs_linearity_0008.rmap", "jwst_fgs_0073.imap", "jwst_0541.pmap",
     "jwst_nircam_pars-tweakregstep_0001.fits", "--jwst"],
    ["--tpns", "roman_0004.pmap", "--mappings", "--contexts", "roman_0004.pmap", "--roman"],
    ["--tpns", "--mappings", "--contexts", "roman_0004.pmap", "--roman"],  # no files: crds ignores --tpns
    ["--tpns", "{test_data}/hst/s7g1700gl_dead.fits", "{test_data}/hst/e1b09593u.r1h", "--hst"],
    # --file-properties: CRDS, CDBS, synphot and GEIS names, headers, the files contexts imply
    ["--file-properties", "hst_acs_0421.imap", "hst_cos_deadtab_0250.rmap", "hst_0729.pmap", "z1r1943el_1dx.fits",
     "{test_data}/hst/s7g1700gl_dead.fits", "{test_data}/hst/acs_new_idc.fits", "{test_data}/hst/2381905mm_tmg.fits",
     "{test_data}/hst/wfc3_ir_f098m_002_th.fits", "{test_data}/hst/hst_acs_biasfile_0001.fits",
     "{test_data}/hst/e1b09593u.r1h", "{test_data}/hst/y951738kl_hv.fits", "--hst"],
    ["--file-properties", "jwst_0541.pmap", "jwst_fgs_0073.imap", "{test_data}/jwst/jwst_miri_ipc_0004.fits",
     "{test_data}/jwst/niriss_ref_photom.fits", "{test_data}/jwst/valid.asdf",
     "{test_data}/jwst/jwst_miri_flat_slitlessprism.fits", "--jwst"],
    ["--file-properties", "roman_wfi_dark_0001.asdf", "--roman"],
    ["--file-properties", "--references", "--contexts", "hst_0729.pmap", "--hst"],
    ["--file-properties", "--mappings", "--contexts", "jwst_0541.pmap", "--jwst"],
    # --required-parkeys of a pmap (per instrument), an imap (per type, N/A), an rmap
    ["--required-parkeys", "--contexts", "hst_0729.pmap", "hst_acs_0421.imap", "hst_cos_deadtab_0250.rmap"],
    ["--required-parkeys", "--contexts", "jwst_0541.pmap", "jwst_fgs_0073.imap", "--jwst"],
    ["--required-parkeys", "--contexts", "roman_0004.pmap", "--roman"],
    ["--cached-pickles", "--cached-mappings", "--roman"],
])
def test_cache_listing_equals_crds(args, capsys, tmp_path, test_data_dir):
    args = [arg.format(test_data=test_data_dir) for arg in args]
    expected = crds_offline(*args, cwd=tmp_path)
    assert expected.returncode == 0, expected.stderr[-2000:]
    code, out, err = ours(capsys, *args)
    assert code == 0, err
    assert out == expected.stdout and out.strip()


@pytest.fixture(scope="module")
def cache_server():
    with serving("--observatory", "hst") as server:
        yield server


@pytest.mark.oracle
@pytest.mark.parametrize("args", [
    ["--resolve-contexts", "--last", "3"],
    ["--resolve-contexts", "--range", "700:712"],
    ["--resolve-contexts", "--all"],
    ["--mappings", "--range", "725:729"],
    ["--references", "--last-n-contexts", "2"],
    ["--resolve-contexts", "--up-to-context", "hst_0010.pmap"],
    ["--resolve-contexts", "--after-context", "hst_0720.pmap"],
])
def test_context_specifiers_equal_crds_with_a_server(args, cache_server, capsys, tmp_path):
    expected = run_crds("crds.list", *args, server_url=cache_server.url, crds_path=CACHE, cwd=tmp_path,
                        CRDS_READONLY_CACHE="1")
    assert expected.returncode == 0, expected.stderr[-2000:]
    code, out, err = ours(capsys, *args, "--hst")
    assert code == 0, err
    assert out == expected.stdout and out.strip()


@pytest.mark.oracle
@pytest.mark.parametrize("spec, path", [
    ("jwst-fgs-linearity-edit", ("fgs", "linearity")),
    ("jwst-nirspec-edit", ("nirspec",)),
    ("hst-acs-darkfile-operational", ("acs", "darkfile")),
    ("hst-latest", ()),
])
def test_symbolic_names_below_a_pipeline_resolve_as_crds_reads_the_context(spec, path, capsys):
    import crds
    from crds.core import heavy_client

    observatory, tag = spec.split("-")[0], spec.split("-")[-1]
    mapping = crds.get_cached_mapping(heavy_client.get_context_name(observatory, f"{observatory}-{tag}"))
    for key in path:
        mapping = mapping.selections[key.upper() if mapping.mapping_type == "pipeline" else key]
    code, out, err = ours(capsys, "--resolve-contexts", "--contexts", spec)
    assert code == 0, err
    assert out == mapping.basename + "\n"


def test_unreadable_context_is_skipped_with_a_warning(capsys):
    """hst_0002.pmap names 'data/hst_acs_0002.imap' (an early hand-made context): crds warns and goes on."""
    code, out, err = ours(capsys, "--mappings", "--contexts", "hst_0002.pmap", "hst_0729.pmap")
    assert code == 0 and "hst_0729.pmap" in out.split() and "hst_0002.pmap" not in out.split()
    assert "WARNING: Failed loading context 'hst_0002.pmap'" in err


def test_status_shows_mode_locking_and_last_synced(capsys):
    code, out, _ = ours(capsys, "--status")
    assert code == 0
    assert "CRDS_MODE = 'auto'" in out and "Cache Locking = " in out
    assert "hst Last Synced = '2019-09-11 15:47:43.789608'" in out


def test_config_shows_paths_and_server_info(capsys, cache_dir):
    code, out, _ = ours(capsys, "--config", "--hst")
    assert code == 0
    assert f"\tmapping root = '{cache_dir}/mappings/hst'" in out.splitlines()
    assert "\toperational_context = 'hst_0729.pmap'" in out.splitlines()


#: JSON and YAML references naming no instrument (crds cross-straps JWST names only when one is named).
TREE_FILES = {
    "tree.json": '{"meta": {"author": "A. Person", "exposure": {"readpatt": "ANY", "ngroups": 3}}, '
                 '"useafter": "2015-01-25T12:00:00", "factors": [1, 2.5, "x"], "flag": true, "none": null, '
                 '"7": "seven", "pedigree": "DUMMY"}',
    "tree.yaml": "meta:\n  author: A. Person\n  dates:\n    start: 2001-03-21T12:00:00\n    day: 2001-03-21\n"
                 "  list: [a, 1, 2.5, [nested, 2]]\nuseafter: 2015-01-25 12:00:00.5\nflag: false\nempty: ~\n"
                 "HISTORY: one line\n",
    "list.yaml": "- {key: deliverer, required: true}\n- choices: [a, b]\n",
}


@pytest.mark.oracle
@pytest.mark.parametrize("names, extra", [
    (["tree.json"], []), (["tree.yaml"], ["--add-filenames"]), (["list.yaml", "tree.json"], []),
    (["tree.yaml"], ["--keywords", "META.DATES", "FLAG"]),
])
def test_cat_of_json_and_yaml_references_equals_crds(names, extra, capsys, tmp_path):
    for name, text in TREE_FILES.items():
        (tmp_path / name).write_text(text)
    args = ["--cat", *[str(tmp_path / name) for name in names], *extra, "--jwst"]
    expected = crds_offline(*args, cwd=tmp_path)
    assert expected.returncode == 0, expected.stderr[-2000:]
    code, out, err = ours(capsys, *args)
    assert code == 0, err
    assert out == expected.stdout and "META" in out


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["jwst/valid.json", "jwst/valid.yaml", "rc_description.yaml"])
def test_json_and_yaml_headers_are_crds_before_jwst_cross_strapping(name, test_data_dir):
    """crds's test references name a JWST instrument: crds then adds JWST keyword synonyms (cross-strapping,
    not built here); every other key is crds's unconditioned header as crds reads the file."""
    from crds.io import factory

    from crds_batch.tools.reference_headers import text_tree_header

    path = str(test_data_dir / name)
    handle = factory.file_factory(path)
    theirs = handle._reduce_header(handle.get_raw_header())
    theirs["FILE_FORMAT"] = handle.format
    assert text_tree_header(path, handle.format) == theirs


@pytest.mark.parametrize("name", ["jwst/invalid.json", "jwst/invalid.yaml"])
def test_cat_of_a_json_or_yaml_file_that_does_not_load_is_one_line(name, capsys, test_data_dir):
    path = test_data_dir / name
    code, out, err = ours(capsys, "--cat", str(path), "--jwst")
    assert code == 3 and err.count("\n") == 1 and "wouldn't load from" in err and path.name in err


def test_version_and_usage(capsys):
    from crds_batch import __version__

    assert ours(capsys, "--version")[1] == __version__ + "\n"
    code, _, err = ours(capsys)
    assert code == 2 and "say what to list" in err
    code, _, err = ours(capsys, "--mappings", "--range", "5:3", "--hst")
    assert code == 3 and "Invalid context range" in err


@pytest.mark.oracle
@pytest.mark.parametrize("spec", ["hst-2019-06-01T00:00:00", "hst-acs-2018-01-01T00:00:00"])
def test_date_based_contexts_resolve_through_the_server_as_crds(spec, cache_server, capsys, tmp_path, monkeypatch):
    expected = run_crds("crds.list", "--resolve-contexts", "--contexts", spec, server_url=cache_server.url,
                        crds_path=CACHE, cwd=tmp_path, CRDS_READONLY_CACHE="1")
    assert expected.returncode == 0, expected.stderr[-2000:]
    monkeypatch.setenv("CRDS_SERVER_URL", cache_server.url)
    code, out, err = ours(capsys, "--resolve-contexts", "--contexts", spec)
    assert code == 0, err
    assert out == expected.stdout and out.strip()


def test_date_based_context_without_a_server_is_one_line(capsys):
    code, out, err = ours(capsys, "--resolve-contexts", "--contexts", "hst-2019-06-01T00:00:00")
    assert code == 3 and out == "" and "needs a CRDS server" in err


def _crds_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CRDS_")}
    env.update(CRDS_PATH=str(CACHE), CRDS_READONLY_CACHE="1", **extra)
    return env


#: --status lines whose values differ by right: crds-batch is not crds.
STATUS_MASKED = ("CRDS Version = ",)


def _masked(lines: list[str]) -> list[str]:
    return [line.split(" = ")[0] + " = <masked>" if line.startswith(STATUS_MASKED) else line for line in lines]


@pytest.mark.oracle
@pytest.mark.parametrize("extra", [{}, {"CRDS_OBSERVATORY": "hst"}, {"CRDS_OBSERVATORY": "roman", "CRDS_MODE": "local"},
                                   {"CRDS_OBSERVATORY": "hst", "CRDS_CONTEXT": "hst-operational"},
                                   {"CRDS_OBSERVATORY": "hst", "CRDS_CONTEXT": "hst-edit"},
                                   {"CRDS_OBSERVATORY": "hst", "CRDS_CONTEXT": "hst_0700.pmap"},
                                   {"CRDS_CONTEXT": "jwst-latest"}])
def test_status_starts_with_crds_lines(extra, capsys, monkeypatch):
    env = _crds_env(**extra)
    expected = subprocess.run([sys.executable, "-m", "crds.list", "--status"], env=env, capture_output=True,
                              text=True, timeout=600)
    assert expected.returncode == 0, expected.stderr[-2000:]
    crds_lines = expected.stdout.splitlines()
    for name in [name for name in os.environ if name.startswith("CRDS_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("CRDS_"):
            monkeypatch.setenv(name, value)
    code, out, err = ours(capsys, "--status")
    assert code == 0, err
    lines = out.splitlines()
    assert _masked(lines[:len(crds_lines)]) == _masked(crds_lines) and len(crds_lines) == 10
    assert lines[len(crds_lines)].startswith("crds-batch Version = ")


def _sections(text: str) -> list[tuple[str, dict[str, str]]]:
    sections: list[tuple[str, dict[str, str]]] = []
    for line in text.splitlines():
        if not line.startswith("\t"):
            sections.append((line, {}))
        elif line != "\tnone":
            key, _, value = line[1:].partition(" = ")
            sections[-1][1][key] = value
    return sections


#: --config values that differ by right: (section, key).
CONFIG_MASKED = {("CRDS Client Config", "crds"), ("CRDS Client Config", "version"),
                 ("CRDS Server Info", "connected"), ("CRDS Server Info", "status")}


@pytest.mark.oracle
def test_config_prints_crds_sections(cache_server, capsys, monkeypatch, tmp_path):
    """crds list --config crashes offline (no download URIs), so both run with crds-batch serve as the server."""
    expected = run_crds("crds.list", "--config", server_url=cache_server.url, crds_path=CACHE, cwd=tmp_path,
                        CRDS_READONLY_CACHE="1")
    assert expected.returncode == 0, expected.stderr[-2000:]
    theirs = _sections(expected.stdout)
    # crds prints a partial "CRDS Server Info" first when the server sends no latest_context: keep its full one
    theirs = [section for index, section in enumerate(theirs)
              if index + 1 == len(theirs) or theirs[index + 1][0] != section[0]]
    for name in [name for name in os.environ if name.startswith("CRDS")]:
        monkeypatch.delenv(name)
    for name, value in client_env(cache_server.url, CACHE, "hst", CRDS_READONLY_CACHE="1").items():
        if name.startswith("CRDS"):
            monkeypatch.setenv(name, value)
    code, out, err = ours(capsys, "--config")
    assert code == 0, err
    mine = _sections(out)
    assert [title for title, _ in mine] == [title for title, _ in theirs] + ["crds-batch"]
    for (title, values), (_, their_values) in zip(mine, theirs):
        if title == "CRDS Environment":  # crds adds its defaults; ours are the variables set
            assert values and values.items() <= their_values.items()
            continue
        assert values.keys() == their_values.keys(), title
        for key, value in values.items():
            if (title, key) not in CONFIG_MASKED:
                assert value == their_values[key], (title, key)


@pytest.mark.oracle
def test_status_resolves_a_date_based_crds_context_through_the_server(cache_server, capsys, monkeypatch, tmp_path):
    expected = run_crds("crds.list", "--status", server_url=cache_server.url, crds_path=CACHE, cwd=tmp_path,
                        CRDS_READONLY_CACHE="1", CRDS_CONTEXT="hst-2019-06-01T00:00:00")
    assert expected.returncode == 0, expected.stderr[-2000:]
    [theirs] = [line for line in expected.stdout.splitlines() if line.startswith("Effective Context = ")]
    for name in [name for name in os.environ if name.startswith("CRDS")]:
        monkeypatch.delenv(name)
    for name, value in client_env(cache_server.url, CACHE, "hst", CRDS_READONLY_CACHE="1",
                                  CRDS_CONTEXT="hst-2019-06-01T00:00:00").items():
        if name.startswith("CRDS"):
            monkeypatch.setenv(name, value)
    code, out, err = ours(capsys, "--status")
    assert code == 0, err
    assert theirs in out.splitlines() and theirs.endswith(".pmap'")


@pytest.mark.parametrize("observatory", ["hst", "jwst", "roman"])
def test_tpn_levels_give_the_constraint_files_certify_uses(observatory):
    """The two data files agree: crds's levels over each type's own files (tpn_lines.json) are the files
    constraints.json lists for every instrument and type (those that exist)."""
    from crds_batch.observatories.constraints import FIELDS, _table
    from crds_batch.tools.tpns import _table as tpn_table
    from crds_batch.tools.tpns import tpn_files

    existing = set(tpn_table(observatory)["lines"])
    types = _table(observatory)["types"]
    assert types
    for instrument, kinds in types.items():
        for filekind, fields in kinds.items():
            for field in FIELDS:
                assert [name for name in tpn_files(observatory, instrument, filekind, field)
                        if name in existing] == fields[field], (instrument, filekind, field)
