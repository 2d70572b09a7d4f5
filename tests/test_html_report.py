"""The HTML report page: its content from real recordings, issue pictures from real clips,
and what a real browser (headless Chromium) shows of it."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from conftest import SHARED_VIDEOS

from posecheck.html_report import MAX_POINTS, Series, _reduce, build_html, guide_from_spec
from posecheck.html_sink import HtmlReportSink
from posecheck.pipeline import analyze, session_info
from posecheck.report_files import ReportError
from posecheck.report_text import format_time
from posecheck.sources import RecordingSource, SourceFrame, open_source
from posecheck.specs import spec_for

REC = Path(__file__).resolve().parents[1] / "sample_videos" / "recordings"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _page(name: str, exercise: str, tmp_path: Path, **kw: Any) -> tuple[dict, str, Path]:
    """Analyse a committed recording with the HTML sink; the JSON report, page and path."""
    out = tmp_path / f"{name}.html"
    spec = spec_for(exercise)
    sink = HtmlReportSink(out, spec, **kw)
    report, _ = analyze(open_source(REC / f"{name}.npz"), spec, [sink])
    assert sink.report == report  # the page is built from the very report the JSON gets
    page = out.read_text(encoding="utf-8")
    assert page == sink.html
    return report, page, out


def _stat(page: str, key: str) -> str:
    m = re.search(rf'id="stat-{key}"><b>([^<]*)</b>', page)
    assert m, f"no stat {key}"
    return m.group(1)


def _rows(page: str, cls: str) -> list[list[str]]:
    """The cells (tags stripped, spaces collapsed) of each ``<tr class="cls...">``."""
    rows = re.findall(rf'<tr class="{cls}(?: [^"]*)?">(.*?)</tr>', page, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r, re.S) for r in rows]
    return [[" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in row] for row in cells]


def _images(page: str, mime: str) -> list[np.ndarray]:
    uris = re.findall(rf'src="data:{mime};base64,([A-Za-z0-9+/=]+)"', page)
    return [cv2.imdecode(np.frombuffer(base64.b64decode(u), np.uint8), cv2.IMREAD_COLOR)
            for u in uris]  # fmt: skip


def _self_contained(page: str) -> None:
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert not re.search(r'(src|href)="(?!data:)', page)  # nothing fetched from anywhere


def test_push_up_page_has_the_reports_numbers_plot_issue_and_rep(tmp_path: Path) -> None:
    report, page, _ = _page("pushup_hip_sag_side_a", "push_up", tmp_path)
    _self_contained(page)
    assert '<h1 id="title">Push-up</h1>' in page and 'id="partial"' not in page
    assert _stat(page, "reps") == "1" == str(report["summary"]["reps"])
    assert _stat(page, "issues") == "1"
    assert _stat(page, "duration") == format_time(report["source"]["duration_s"]) == "0:03.7"
    assert _stat(page, "in-position") == format_time(report["summary"]["in_position_s"])
    assert "pose found in 100% of frames" in page
    sag = "Lift your hips: keep a straight line from shoulders to heels"
    assert _rows(page, "issue-type") == [["hips_sagging", "1", sag]]
    assert _rows(page, "issue") == [
        ["!1", "0:01.4", "0:03.7", f"hips_sagging {sag}", "-0.164", "", "no picture"]
    ]
    assert _rows(page, "rep") == [["1", "", "0:01.8", "0:02.8", "0:03.4", "1.6 s", "102.6", ""]]
    assert "this was a landmark recording, with no video" in page
    (plot,) = _images(page, "image/png")  # the plot, decodable, with ink on it
    assert plot is not None and plot.shape[1] == 1150 and plot.std() > 20
    assert not _images(page, "image/jpeg")


def test_per_side_page_shows_sides_progress_and_one_row_per_rep(tmp_path: Path) -> None:
    report, page, _ = _page("lunge_alternating_side_a", "lunge", tmp_path)
    s = report["summary"]
    assert (_stat(page, "reps"), _stat(page, "reps-left"), _stat(page, "reps-right")) == (
        "9", "4", "5"
    )  # fmt: skip
    assert s["reps_by_side"] == {"left": 4, "right": 5}
    rows = _rows(page, "rep")
    assert len(rows) == len(report["reps"]) == 9
    assert [r[1] for r in rows] == [r["side"] for r in report["reps"]]
    assert [r[6] for r in rows] == [f"{r['at_peak']['knee_bend']:.1f}" for r in report["reps"]]
    assert _rows(page, "progress-reps") == [["reps", "30", "9", "30%"]]
    assert "body not fully visible 2 times" in page and _rows(page, "issue") == []
    assert 'id="no-issues"' in page


def test_hold_page_shows_hold_and_good_form_time(tmp_path: Path) -> None:
    report, page, _ = _page("plank_forearm_side_a", "plank", tmp_path)
    s = report["summary"]
    assert _stat(page, "hold") == format_time(max(s["hold_s"], s["live_hold_s"])) == "0:11.0"
    assert _stat(page, "good") == format_time(max(s["good_hold_s"], s["live_good_hold_s"]))
    assert len(_rows(page, "hold")) == len(report["holds"]) == 1
    assert _rows(page, "progress-hold_s") == [["hold time", "1:00.0", "0:11.0", "18%"]]
    assert 'id="reps"' not in page


class _Interrupted(RecordingSource):
    """A real recording whose replay is cut by Ctrl-C after ``n`` frames."""

    def __init__(self, path: Path, n: int) -> None:
        super().__init__(path)
        self.n = n

    def __iter__(self) -> Iterator[SourceFrame]:
        for i, frame in enumerate(super().__iter__()):
            if i == self.n:
                raise KeyboardInterrupt
            yield frame


def test_interrupted_session_still_writes_a_page_marked_partial(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    spec = spec_for("lunge")
    src = _Interrupted(REC / "lunge_alternating_side_a.npz", 400)
    report, result = analyze(src, spec, [HtmlReportSink(out, spec)])
    page = out.read_text(encoding="utf-8")
    assert result.partial and 'id="partial"' in page
    assert (
        _stat(page, "reps") == str(report["summary"]["reps"]) and 4 <= report["summary"]["reps"] < 9
    )
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temp file left behind


def test_all_outside_text_is_escaped(tmp_path: Path) -> None:
    report, _, _ = _page("pushup_hip_sag_side_a", "push_up", tmp_path)
    evil = "<script>alert(1)</script>"
    report = {**report, "title": evil, "source": {**report["source"], "name": f'x"{evil}.mp4'}}
    report["issues"] = [{**report["issues"][0], "message": evil, "code": "<u>"}]
    report["summary"] = {**report["summary"], "issue_counts": {"<u>": 1}}
    page = build_html(report)
    assert "<script" not in page and "<u>" not in page and page.count("&lt;u&gt;") == 2
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "x&quot;&lt;script" in page


def test_without_matplotlib_the_page_says_why_there_is_no_plot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    for name in [m for m in sys.modules if m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    _, page, _ = _page("pushup_hip_sag_side_a", "push_up", tmp_path)
    assert 'id="no-plot">No plot: matplotlib is missing' in page and 'id="plot"' not in page
    assert len(_rows(page, "rep")) == 1 and len(_rows(page, "issue")) == 1


def test_an_unwritable_path_fails_at_open_in_one_line(tmp_path: Path) -> None:
    spec = spec_for("plank")
    info = session_info(open_source(REC / "plank_forearm_side_a.npz"), spec)
    with pytest.raises(ReportError, match=r"cannot write .*missing.*does not exist"):
        HtmlReportSink(tmp_path / "missing" / "r.html", spec).open(info)


def test_an_hours_series_is_cut_to_min_max_buckets_that_keep_every_excursion() -> None:
    t = np.arange(108_000) / 30.0  # an hour at 30 fps
    v = np.sin(t)
    v[50_000] = 9.0  # one spike must survive
    v[70_000:70_900] = np.nan  # nobody in view: a gap, not a warning
    tr, vr = _reduce(t, v)
    assert len(tr) <= MAX_POINTS and np.nanmax(vr) == 9.0 and np.isnan(vr).any()
    series = Series(t, {"knee_bend": v})
    report, _ = analyze(open_source(REC / "lunge_alternating_side_a.npz"), spec_for("lunge"))
    page = build_html(report, series, guide_from_spec(spec_for("lunge")))
    assert len(_images(page, "image/png")) == 1


# --------------------------------------------------------------------------- real clips

needs_clip = pytest.mark.skipif(
    not (SHARED_VIDEOS / "pushup_hip_sag_side_a.mp4").is_file(),
    reason=f"shared clip pushup_hip_sag_side_a.mp4 not found in {SHARED_VIDEOS} (not in the repo)",
)


def _clip_page(out: Path, model_path: Path, parallel: bool) -> tuple[dict, str]:
    """With images (one model thread) the ring supplies the pictures; the CLI's parallel
    source has none, so the sink cuts them from the file on close."""
    from posecheck.estimator import PoseEstimator
    from posecheck.parallel import ParallelPoseSource

    clip = SHARED_VIDEOS / "pushup_hip_sag_side_a.mp4"
    spec = spec_for("push_up")
    sink = HtmlReportSink(out, spec)
    if parallel:
        src = ParallelPoseSource(clip, lambda: PoseEstimator(model_path), workers=2)
        report, _ = analyze(src, spec, [sink])
    else:
        with PoseEstimator(model_path) as est:
            report, _ = analyze(open_source(clip), spec, [sink], est)
    return report, out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def clip_page(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> tuple[dict, str]:
    """The push-up clip's page, from frames with images (one model run for two tests)."""
    return _clip_page(tmp_path_factory.mktemp("clip") / "r.html", model_path, parallel=False)


@needs_clip
@pytest.mark.parametrize("parallel", [False, True], ids=["frames", "parallel-no-images"])
def test_real_clip_page_has_a_picture_of_each_issue(
    tmp_path: Path, model_path: Path, parallel: bool, request: pytest.FixtureRequest
) -> None:
    if parallel:
        report, page = _clip_page(tmp_path / "r.html", model_path, parallel=True)
    else:
        report, page = request.getfixturevalue("clip_page")
    assert [i["code"] for i in report["issues"]] == ["hips_sagging"]
    thumbs = _images(page, "image/jpeg")
    assert len(thumbs) == len(report["issues"]) == len(_rows(page, "issue"))
    h, w = thumbs[0].shape[:2]
    assert w <= 240 and h <= 320 and thumbs[0].std() > 20  # small, and a real picture
    issue = report["issues"][0]
    shown = re.search(r"frame at (\d+:\d+\.\d)", page)
    assert shown and issue["t_start"] <= _seconds(shown.group(1)) <= issue["t_end"]
    assert 'id="thumb-note"' not in page
    _self_contained(page)


def _seconds(text: str) -> float:
    m, s = text.split(":")
    return int(m) * 60 + float(s)


# --------------------------------------------------------------------------- browser

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
)


def _chromium(tmp_path: Path, target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           f"--user-data-dir={tmp_path / 'profile'}", *args, target.as_uri()]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)


def _screenshot(tmp_path: Path, page: str, name: str) -> np.ndarray:
    html_path, png = tmp_path / f"{name}.html", tmp_path / f"{name}.png"
    html_path.write_text(page, encoding="utf-8")
    _chromium(tmp_path, html_path, f"--screenshot={png}", "--window-size=1200,2400")
    assert png.is_file(), f"chromium wrote no screenshot of {name}"
    return cv2.imread(str(png))


def _on_screen(tmp_path: Path, page: str, img_id: str) -> np.ndarray:
    """The screen area of image ``img_id``: where the page differs from the same page with
    that image replaced by a white one of the same size (which keeps the layout)."""
    m = re.search(rf'id="{img_id}"[^>]*src="data:image/(png|jpeg);base64,([^"]+)"', page)
    assert m, f"no image {img_id} in the page"
    pixels = cv2.imdecode(np.frombuffer(base64.b64decode(m.group(2)), np.uint8), cv2.IMREAD_COLOR)
    white = base64.b64encode(cv2.imencode(".png", np.full_like(pixels, 255))[1]).decode()
    blank = page[: m.start(1)] + "png;base64," + white + page[m.end(2) :]
    shot = _screenshot(tmp_path, page, "page")
    assert shot.shape[:2] == (2400, 1200) and shot.std() > 10  # not a blank page
    diff = np.abs(shot.astype(int) - _screenshot(tmp_path, blank, "blank")).sum(axis=2)
    ys, xs = np.nonzero(diff > 30)
    assert len(ys), f"{img_id} left no trace on the screen"
    return shot[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


@needs_chromium
def test_chromium_renders_the_tables_and_the_plot(tmp_path: Path) -> None:
    name, exercise = "single_leg_bridge_side_portrait_a", "single_leg_glute_bridge"
    report, page, path = _page(name, exercise, tmp_path)
    dom = _chromium(tmp_path, path, "--dump-dom").stdout
    assert dom.count('<tr class="rep') == len(report["reps"]) == 6
    assert dom.count('<tr class="issue"') == len(report["issues"]) == 1
    assert re.findall(r"<img [^>]*>", dom) == re.findall(r'<img class="plot" id="plot"[^>]*>', dom)
    plot = _on_screen(tmp_path, page, "plot")
    assert plot.shape[0] > 300 and plot.shape[1] > 800  # the plot, the page's full width
    assert plot.std() > 20 and len(np.unique(plot.reshape(-1, 3), axis=0)) > 50


@needs_chromium
@needs_clip
def test_chromium_shows_the_issue_picture(tmp_path: Path, clip_page: tuple[dict, str]) -> None:
    _, page = clip_page
    out = tmp_path / "r.html"
    out.write_text(page, encoding="utf-8")
    dom = _chromium(tmp_path, out, "--dump-dom").stdout
    assert len(re.findall(r'<img class="thumb" id="thumb-1"', dom)) == 1
    picture = _on_screen(tmp_path, page, "thumb-1")
    h, w = picture.shape[:2]
    assert 100 < w <= 240 and 50 < h <= 320 and picture.std() > 20
