"""The HTML report: self-contained, and it renders with its figures in a real headless browser."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from crds_batch.batch.affected import run_affected
from crds_batch.batch.check import CheckRequest, run_check
from crds_batch.batch.cluster import ClusterOptions
from crds_batch.batch.plan import AffectedRequest
from crds_batch.report import render_report, write_report
from crds_batch.store import open_params
from crds_batch.synth import generate, write_save

CHROMIUM = "/usr/bin/chromium"
FIGURES = ("plot-by-instrument", "plot-by-year", "plot-by-type")


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "hst.json"
    write_save(generate("hst_0729.pmap", 250, seed=31, invalid_fraction=0.1, prior_fraction=0.5), str(path))
    with open_params([str(path)]) as store:
        yield store


@pytest.fixture(scope="module")
def check_result(source):
    return run_check(CheckRequest("hst_0729.pmap", compare_source=True), source, ClusterOptions(synchronous=True))


@pytest.fixture(scope="module")
def affected_result(source):
    request = AffectedRequest("hst_0700.pmap", "hst_0729.pmap", diffs_only=False, datasets_since=None)
    return run_affected(request, source, ClusterOptions(synchronous=True))


def _assert_self_contained(text: str) -> None:
    without_svg_ns = text.replace("http://www.w3.org/2000/svg", "")
    assert not re.search(r"(src|href)\s*=", without_svg_ns), "no external or linked assets"
    assert "http://" not in without_svg_ns and "https://" not in without_svg_ns
    assert "<script" not in text


@pytest.mark.parametrize("which", ["check", "affected"])
def test_report_has_summary_classes_and_figures(request, which):
    result = request.getfixturevalue(f"{which}_result")
    text = render_report(result, seconds=1.5)
    _assert_self_contained(text)
    for figure in FIGURES:
        assert f'<svg id="{figure}"' in text
    assert text.count("<rect") > 10
    assert 'id="summary"' in text
    unique = result.unique_errors()
    assert unique.classes, "the corpus has deliberate faults"
    assert 'id="error-classes"' in text
    assert f"Error classes ({len(unique.classes):,})" in text


def test_report_escapes_messages(check_result):
    text = render_report(check_result, title="<b>x</b> & y")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in text
    assert "<b>x</b>" not in text


def _chromium(*args: str, user_data: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={user_data}", *args],
        capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(not Path(CHROMIUM).exists(),
                    reason=f"{CHROMIUM} is not installed (Debian package 'chromium'; .ci/run installs it)")
@pytest.mark.parametrize("which", ["check", "affected"])
def test_report_renders_in_headless_chromium(request, which, tmp_path):
    result = request.getfixturevalue(f"{which}_result")
    page = Path(write_report(result, str(tmp_path / f"{which}.html")))
    dom = _chromium("--dump-dom", page.as_uri(), user_data=tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    for figure in FIGURES:
        assert re.search(rf'<svg[^>]*id="{figure}"', dom.stdout), f"figure {figure} missing from the rendered DOM"
    assert dom.stdout.count("<rect") > 10
    assert "Error classes" in dom.stdout
    shot = tmp_path / "page.png"
    run = _chromium(f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri(),
                    user_data=tmp_path / "profile-shot")
    assert run.returncode == 0, run.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a blank page is a few kB


def test_no_chromium_means_skip_not_install():
    """The test suite never installs a browser: CI's .ci/run does."""
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()
    assert "apt-get" in ci and "chromium" in ci
