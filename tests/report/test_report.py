"""The HTML report: one self-contained file, what an operator asks first, and how it renders in a real browser."""
from __future__ import annotations

import json
import re
from collections import Counter
from html import escape, unescape
from pathlib import Path

import pytest

from crds_batch.batch.affected import run_affected
from crds_batch.batch.check import CheckRequest, run_check
from crds_batch.batch.cluster import ClusterOptions
from crds_batch.batch.plan import AffectedRequest
from crds_batch.cli.main import main
from crds_batch.report import html as report_html
from crds_batch.report import render_report, write_report
from crds_batch.report.figures import UNKNOWN_YEAR, year_axis
from crds_batch.report.outcomes import CHANGED, FAILED
from crds_batch.report.plots import Series, bar_chart
from crds_batch.store import open_params
from crds_batch.synth import generate, write_save

from .browser import CHROMIUM, chromium, needs_chromium

FIGURES = ("plot-by-instrument", "plot-by-year", "plot-by-type")


@pytest.fixture(scope="module")
def save(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "hst.json"
    write_save(generate("hst_0729.pmap", 250, seed=31, invalid_fraction=0.1, prior_fraction=0.5), str(path))
    return str(path)


@pytest.fixture(scope="module")
def source(save):
    with open_params([save]) as store:
        yield store


@pytest.fixture(scope="module")
def check_result(source):
    return run_check(CheckRequest("hst_0729.pmap", compare_source=True), source, ClusterOptions(synchronous=True))


@pytest.fixture(scope="module")
def affected_result(source):
    request = AffectedRequest("hst_0700.pmap", "hst_0729.pmap", diffs_only=False, datasets_since=None)
    return run_affected(request, source, ClusterOptions(synchronous=True))


@pytest.fixture(scope="module")
def pages(check_result, affected_result):
    return {"check": render_report(check_result, seconds=1.5), "affected": render_report(affected_result)}


WHICH = ["check", "affected"]


@pytest.mark.parametrize("which", WHICH)
def test_report_is_one_self_contained_file(pages, which):
    text = pages[which]
    assert "://" not in text, "no URL of any kind (not even XML namespaces or doctype references)"
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", text)
    assert "@import" not in text
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    references = re.findall(r'\b(?:href|src)="([^"]*)"', text) + re.findall(r"url\(([^)]*)\)", text)
    assert references, "the charts refer to their own glyphs and clip paths"
    outside = [r for r in references if not r.startswith("#")]
    assert not outside, f"references outside the page: {outside[:5]}"
    dangling = {r for r in references if r[1:] not in ids}
    assert not dangling, f"references to ids the page lacks: {sorted(dangling)[:5]}"
    duplicated = [i for i, n in Counter(re.findall(r'\bid="([^"]+)"', text)).items() if n > 1]
    assert not duplicated, f"ids used twice (charts must not share ids): {duplicated[:5]}"


def _bars(text: str) -> list[tuple[str, str, int, str]]:
    """(chart, outcome, index, fill colour) of every bar of every chart."""
    return [(chart, outcome, int(index), colour.lower()) for chart, outcome, index, colour in re.findall(
        r'<g id="(plot-[a-z-]+)-bar-([a-z]+)-(\d+)">\s*<path [^>]*?style="fill: (#[0-9a-fA-F]{6})', text)]


@pytest.mark.parametrize("which", WHICH)
def test_charts_are_drawn_with_one_colour_per_outcome(pages, which):
    text = pages[which]
    for figure in FIGURES:
        assert re.search(rf'<svg id="{figure}" class="chart" viewBox="[^"]+"', text)
    bars = _bars(text)
    assert {chart for chart, *_ in bars} == set(FIGURES)
    colours = {(outcome, colour) for _, outcome, _, colour in bars}
    assert colours == {(CHANGED.key, CHANGED.colour.lower()), (FAILED.key, FAILED.colour.lower())}, \
        "each outcome has one colour on every chart"
    assert f"background:{FAILED.colour}" in text and f"background:{CHANGED.colour}" in text  # the colour key


def test_year_chart_has_every_year_once(affected_result, pages):
    years = year_axis(affected_result.tally["year"].astype(str))
    known = [int(y) for y in years if y != UNKNOWN_YEAR]
    assert len(known) > 10 and known == list(range(known[0], known[-1] + 1))
    assert years == [str(y) for y in known] + ([UNKNOWN_YEAR] if len(known) < len(years) else [])
    bars = [index for chart, outcome, index, _ in _bars(pages["affected"])
            if chart == "plot-by-year" and outcome == FAILED.key]
    assert bars == list(range(len(years)))
    for year in years:  # matplotlib writes each label's text beside its glyphs
        assert f"<!-- {year} -->" in pages["affected"].split('<svg id="plot-by-year"')[1].split("</svg>")[0]


def test_year_axis():
    assert year_axis(["2019", "2022", UNKNOWN_YEAR, "2019"]) == ["2019", "2020", "2021", "2022", UNKNOWN_YEAR]
    assert year_axis(["2001"]) == ["2001"]
    assert year_axis([UNKNOWN_YEAR]) == [UNKNOWN_YEAR]
    assert year_axis([]) == []


def _texts(figure):
    """(text, box) of every text matplotlib draws: axis labels in view, bar totals, legend entries."""
    renderer = figure.canvas.get_renderer()
    figure.draw(renderer)
    texts = []
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            low, high = sorted(axis.get_view_interval())
            texts += [label for location, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels())
                      if low - 1e-9 <= location <= high + 1e-9]
        texts += axes.texts
    for legend in figure.legends:
        texts += legend.get_texts()
    return [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_text()], figure.bbox, renderer


@pytest.mark.parametrize("years,horizontal", [(list(range(1987, 2022)), False), (list(range(2019, 2024)), False),
                                              (list(range(30)), True)])
def test_chart_labels_do_not_overlap_and_stay_inside(years, horizontal):
    labels = [str(y) for y in years] + [UNKNOWN_YEAR]
    values = [1000 + 37 * i for i in range(len(labels))]
    figure = bar_chart(labels, [Series(CHANGED, "affected (new reference)", values),
                                Series(FAILED, "failed (a lookup failed)", [v // 10 for v in values])],
                       horizontal=horizontal, gap_before=None if horizontal else len(labels) - 1)
    texts, page, renderer = _texts(figure)
    shown = [text for text, _ in texts]
    for label in labels:
        assert label in shown, f"axis label {label} missing"
    for text, box in texts:
        assert page.x0 - 0.5 <= box.x0 and box.x1 <= page.x1 + 0.5 and page.y0 - 0.5 <= box.y0 \
            and box.y1 <= page.y1 + 0.5, f"{text!r} outside the figure"
    overlaps = [(a, b) for i, (a, box_a) in enumerate(texts) for b, box_b in texts[i + 1:]
                if box_a.overlaps(box_b) and box_a.intersection(box_a, box_b).width > 0.5
                and box_a.intersection(box_a, box_b).height > 0.5]
    assert not overlaps, f"labels overlap: {overlaps[:5]}"
    axes = figure.axes[0].get_window_extent(renderer)
    totals = [box for text, box in texts if text == f"{values[-1] + values[-1] // 10:,}"]
    assert totals and all((box.x1 if horizontal else box.y1) <= (axes.x1 if horizontal else axes.y1) + 0.5
                          for box in totals), "bar totals end inside the axes"


def _rows(text: str, table_class: str) -> list[list[str]]:
    rows = []
    for table in re.findall(rf'<table id="[^"]+" class="{table_class}">(.*?)</table>', text, flags=re.S):
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], flags=re.S):
            rows.append([unescape(re.sub(r"<[^>]+>", "", cell)) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)])
    return rows


@pytest.mark.parametrize("which", WHICH)
def test_replacement_table_counts_datasets_per_old_and_new_reference(request, monkeypatch, which):
    result = request.getfixturevalue(f"{which}_result")
    monkeypatch.setattr(report_html, "REPLACEMENTS_OPEN", 5)  # the rest go to the collapsed list
    text = render_report(result)
    # crds's own --print-new-references lines: "id instrument type old new"
    expected = Counter()
    for line in set(result.new_reference_lines()):
        _, instrument, filekind, old, new = line.split(" ", 4)
        expected[(instrument, filekind, old, new)] += 1
    assert len(expected) > 5
    rows = _rows(text, "replacements")
    found = {(instrument, filekind, old, new): int(count.replace(",", ""))
             for instrument, filekind, old, arrow, new, count in rows}
    assert len(rows) == len(found) == len(expected) and found == dict(expected)
    counts = [int(row[-1].replace(",", "")) for row in rows]
    assert counts == sorted(counts, reverse=True), "most datasets first"
    assert text.count('class="replacements"') == 2 and "<details><summary>" in text
    assert f"Reference replacements ({len(expected):,})" in text
    assert ("recorded reference" in text) == (which == "check")


def test_error_classes_are_grouped_by_instrument_and_type(pages, check_result):
    text = pages["check"]
    unique = check_result.unique_errors()
    expected = Counter()
    for cls in unique.classes:
        expected[(cls.instrument.lower(), cls.filekind.lower())] += cls.count
    groups = re.findall(r'<details class="error-group" data-instrument="([^"]*)" data-type="([^"]*)" '
                        r'data-errors="(\d+)">(.*?)</details>', text, flags=re.S)
    assert len(groups) == len(expected) > 3
    assert {(i, t): int(n) for i, t, n, _ in groups} == dict(expected)
    assert [int(n) for *_, n, _ in groups] == sorted((int(n) for *_, n, _ in groups), reverse=True)
    for cls in unique.classes:
        (body,) = [b for i, t, _, b in groups if (i, t) == (cls.instrument.lower(), cls.filekind.lower())]
        assert escape(cls.message) in body
        for example in cls.examples:
            assert f'<code class="id">{example}</code>' in body
    assert f"Error classes ({len(unique.classes):,})" in text


def test_report_escapes_messages(check_result):
    text = render_report(check_result, title="<b>x</b> & y")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in text
    assert "<b>x</b>" not in text


#: Appended to a copy of a report by the browser test only (the report itself has no script): opens every
#: collapsed list, then measures what a reader sees.
_MEASURE = """<script>
document.querySelectorAll("details").forEach(d => d.open = true);
const body = document.body, style = getComputedStyle(body);
const content = body.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
const words = [...document.querySelectorAll("code.id, code.ref")];
body.setAttribute("data-layout", JSON.stringify({
  words: words.length,
  wrapped: words.filter(e => e.getClientRects().length > 1).map(e => e.textContent).slice(0, 5),
  charts: [...document.querySelectorAll("svg.chart")].map(s => s.getBoundingClientRect().width / content),
}));
</script>"""


@needs_chromium
@pytest.mark.parametrize("which", WHICH)
def test_report_renders_in_headless_chromium(request, which, tmp_path):
    result = request.getfixturevalue(f"{which}_result")
    page = Path(write_report(result, str(tmp_path / f"{which}.html")))
    dom = chromium("--dump-dom", page.as_uri(), user_data=tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    for figure in FIGURES:
        assert re.search(rf'<svg[^>]*id="{figure}"', dom.stdout), f"figure {figure} missing from the rendered DOM"
    assert len(_bars(dom.stdout)) > 10
    assert "Error classes" in dom.stdout and "Reference replacements" in dom.stdout
    shot = tmp_path / "page.png"
    run = chromium(f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri(), user_data=tmp_path / "profile-shot")
    assert run.returncode == 0, run.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a blank page is a few kB


@needs_chromium
@pytest.mark.parametrize("which", WHICH)
def test_ids_stay_whole_and_charts_fill_the_width_in_chromium(request, which, tmp_path):
    result = request.getfixturevalue(f"{which}_result")
    measured = tmp_path / "measured.html"
    measured.write_text(render_report(result).replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    dom = chromium("--dump-dom", "--window-size=900,800", measured.as_uri(), user_data=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    layout = json.loads(unescape(re.search(r'data-layout="([^"]*)"', dom.stdout).group(1)))
    examples = sum(len(cls.examples) for cls in result.unique_errors().classes)
    assert layout["words"] >= examples > 10, "every example id is a dataset id element"
    assert layout["wrapped"] == [], "dataset ids and file names never break across lines"
    assert len(layout["charts"]) == len(FIGURES) and all(r > 0.98 for r in layout["charts"]), layout["charts"]


@pytest.mark.parametrize("command,extra", [
    ("affected", ["--old-context", "hst_0700.pmap", "--new-context", "hst_0729.pmap"]),
    ("check-context", ["--new-context", "hst_0729.pmap"]),
])
def test_cli_says_where_the_report_was_written(save, capsys, tmp_path, monkeypatch, command, extra):
    monkeypatch.chdir(tmp_path)
    code = main([command, *extra, "--params", save, "--no-cluster", "--report", "out/report.html"])
    err = capsys.readouterr().err.splitlines()
    written = tmp_path / "out" / "report.html"
    assert code == 1 and written.read_text().startswith("<!DOCTYPE html>")
    assert [line for line in err if "report" in line.lower()] == [f"Report written to {written}"]


@pytest.mark.parametrize("command,extra", [
    ("affected", ["--old-context", "hst_0700.pmap", "--new-context", "hst_0729.pmap"]),
    ("check-context", ["--new-context", "hst_0729.pmap"]),
])
def test_quiet_cli_prints_no_report_line(save, capsys, tmp_path, command, extra):
    main([command, *extra, "--params", save, "--no-cluster", "-q", "--report", str(tmp_path / "r.html")])
    assert "Report written" not in capsys.readouterr().err
    assert (tmp_path / "r.html").exists()


def test_no_chromium_means_skip_not_install():
    """The test suite never installs a browser: CI's .ci/run does."""
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()
    assert "apt-get" in ci and "chromium" in ci
    assert CHROMIUM == "/usr/bin/chromium"


def test_check_alone_shows_failures_only(source):
    result = run_check(CheckRequest("hst_0729.pmap"), source, ClusterOptions(synchronous=True))
    text = render_report(result)
    assert "Reference replacements" not in text and "Context check: hst_0729.pmap" in text
    bars = _bars(text)
    assert {chart for chart, *_ in bars} == set(FIGURES)
    assert {(outcome, colour) for _, outcome, _, colour in bars} == {(FAILED.key, FAILED.colour.lower())}
    assert f'class="swatch {CHANGED.key}"' not in text
