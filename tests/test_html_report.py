"""The HTML report page: its content from real recordings, issue pictures from real clips,
and what a real browser (headless Chromium) shows of it."""

from __future__ import annotations

import base64
import html
import io
import json
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
from clipframes import RecordedClip, have_clip
from conftest import SHARED_VIDEOS

from posecheck.check.specs import spec_for
from posecheck.check.strictness import configured
from posecheck.pipeline import analyze, session_info
from posecheck.report.files import ReportError
from posecheck.report.html_page import MAX_POINTS, Series, _reduce, build_html, guide_from_spec
from posecheck.report.html_sink import HtmlReportSink
from posecheck.report.text import format_time
from posecheck.report.video_encode import pick_encoder
from posecheck.sources.base import RecordingSource, SourceFrame
from posecheck.sources.open import open_source

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
        ["!1", "0:01.4", "0:03.7", f"hips_sagging {sag}", "-0.164", "1", "no picture"]
    ]  # the sag (0:01.4-0:03.7) covers all of rep 1 (0:01.8-0:03.4): the rep carries it
    assert _rows(page, "rep") == [
        ["1", "", "0:01.8", "0:02.5", "0:03.4", "1.6 s", "102.6", "hips_sagging"]
    ]  # the bottom is held 2.2-2.9 s at 102.6-105 deg: its middle (rep_metrics.peak_time)
    assert '<tr class="rep bad">' in page
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
    assert _rows(page, "progress-reps_per_side") == [
        ["reps per front leg (weaker side)", "20", "4", "20%"]
    ]
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

CLIP = "pushup_hip_sag_side_a"
needs_clip = pytest.mark.skipif(
    not have_clip(CLIP),
    reason=f"shared clip pushup_hip_sag_side_a.mp4 not found in {SHARED_VIDEOS} (not in the repo)",
)


def _clip_page(out: Path, model_path: Path, parallel: bool) -> tuple[dict, str]:
    """With images (one model thread) the ring supplies the pictures; the CLI's parallel
    source has none, so the sink cuts them from the file on close."""
    from posecheck.pose.estimator import PoseEstimator
    from posecheck.sources.parallel import ParallelPoseSource

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


def _clips(page: str) -> list[tuple[str, bytes, np.ndarray]]:
    """Each issue clip: its id, the MP4's bytes and the poster's pixels."""
    out = []
    for tag in re.findall(r"<video [^>]*>", page):
        vid = re.search(r'id="([^"]+)"', tag)
        mp4 = re.search(r'src="data:video/mp4;base64,([A-Za-z0-9+/=]+)"', tag)
        poster = re.search(r'poster="data:image/jpeg;base64,([A-Za-z0-9+/=]+)"', tag)
        assert vid and mp4 and poster, f"a clip without id, video or poster: {tag[:120]}"
        for flag in ("muted", "loop", "controls", "playsinline"):
            assert f" {flag}" in tag
        pixels = np.frombuffer(base64.b64decode(poster.group(1)), np.uint8)
        out.append((vid.group(1), base64.b64decode(mp4.group(1)), cv2.imdecode(pixels, 1)))
    return out


def _decoded(mp4: bytes) -> tuple[str, int, int, int]:
    """codec, width, height and frames of a clip, decoded with PyAV."""
    import av

    with av.open(io.BytesIO(mp4)) as c:
        s = c.streams.video[0]
        return s.codec_context.name, s.width, s.height, sum(1 for _ in c.decode(s))


@pytest.mark.e2e  # the real pose model: out of the fast lane
@needs_clip
@pytest.mark.parametrize("parallel", [False, True], ids=["frames", "parallel-no-images"])
def test_real_clip_page_has_a_clip_of_each_issue(
    tmp_path: Path, model_path: Path, parallel: bool, request: pytest.FixtureRequest
) -> None:
    if parallel:
        report, page = _clip_page(tmp_path / "r.html", model_path, parallel=True)
    else:
        report, page = request.getfixturevalue("clip_page")
    assert [i["code"] for i in report["issues"]] == ["hips_sagging"]
    ((vid, mp4, poster),) = _clips(page)
    assert vid == "clip-1" and len(_rows(page, "issue")) == 1
    codec, w, h, n = _decoded(mp4)
    assert codec == pick_encoder().codec and w <= 480 and h <= 640 and n >= 10
    assert poster.shape[:2] == (h, w) and poster.std() > 20  # the clip's own frame, real
    assert len(mp4) < 150_000  # a few seconds at 480 px: the page stays light
    issue = report["issues"][0]
    m = re.search(r"clip (\d+:\d+\.\d)–(\d+:\d+\.\d), frame at (\d+:\d+\.\d)", page)
    assert m, "the clip's span and moment are not said"
    t0, t1, at = (_seconds(g) for g in m.groups())
    assert issue["t_start"] <= at <= issue["t_end"] and t0 <= at <= t1 and t1 - t0 <= 2.5
    assert not _images(page, "image/jpeg") and 'id="thumb-note"' not in page
    _self_contained(page)


@needs_clip
def test_without_clips_each_issue_has_a_still(tmp_path: Path) -> None:
    """Real frames and the recording's poses (no model): ``max_clips=0`` keeps the still."""
    spec = spec_for("push_up")
    out = tmp_path / "r.html"
    report, _ = analyze(RecordedClip(CLIP), spec, [HtmlReportSink(out, spec, max_clips=0)])
    page = out.read_text(encoding="utf-8")
    assert "<video" not in page
    (thumb,) = _images(page, "image/jpeg")
    h, w = thumb.shape[:2]
    assert w <= 240 and h <= 320 and thumb.std() > 20  # small, and a real picture
    shown = re.search(r"frame at (\d+:\d+\.\d)", page)
    issue = report["issues"][0]
    assert shown and issue["t_start"] <= _seconds(shown.group(1)) <= issue["t_end"]


@pytest.mark.skipif(not have_clip("pushup_side_a"), reason="shared clip pushup_side_a.mp4 absent")
def test_clips_are_capped_and_the_rest_keep_their_still(tmp_path: Path) -> None:
    """Every rep made an issue (a depth no push-up reaches): one clip, then stills."""
    spec = configured(spec_for("push_up"), None, ["shallow_depth.above=0"], None)
    out = tmp_path / "r.html"
    sink = HtmlReportSink(out, spec, max_clips=1)
    report, _ = analyze(RecordedClip("pushup_side_a"), spec, [sink])
    page = out.read_text(encoding="utf-8")
    assert [i["code"] for i in report["issues"]] == ["shallow_depth"] * 2
    assert [c[0] for c in _clips(page)] == ["clip-1"]
    assert 'id="thumb-2"' in page and len(_images(page, "image/jpeg")) == 1
    assert "Clips of the first 1 issue; the others have a still." in page
    codec, w, h, _ = _decoded(_clips(page)[0][1])
    assert codec == pick_encoder().codec and w <= 480 and h <= 640  # a 1080p source, shrunk


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


def _on_screen(tmp_path: Path, page: str, img_id: str, attr: str = "src") -> np.ndarray:
    """The screen area of image ``img_id`` (a video's poster with ``attr="poster"``): where
    the page differs from the same page with that image replaced by a white one of the same
    size (which keeps the layout)."""
    m = re.search(rf'id="{img_id}"[^>]*{attr}="data:image/(png|jpeg);base64,([^"]+)"', page)
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
    name, exercise = "lunge_alternating_side_a", "lunge"
    report, page, path = _page(name, exercise, tmp_path)
    dom = _chromium(tmp_path, path, "--dump-dom").stdout
    assert dom.count('<tr class="rep') == len(report["reps"]) == 9
    assert dom.count('<tr class="issue"') == len(report["issues"]) == 0
    sag = _page("pushup_hip_sag_side_a", "push_up", tmp_path)[2]
    assert _chromium(tmp_path, sag, "--dump-dom").stdout.count('<tr class="issue"') == 1
    assert re.findall(r"<img [^>]*>", dom) == re.findall(r'<img class="plot" id="plot"[^>]*>', dom)
    plot = _on_screen(tmp_path, page, "plot")
    assert plot.shape[0] > 300 and plot.shape[1] > 800  # the plot, the page's full width
    assert plot.std() > 20 and len(np.unique(plot.reshape(-1, 3), axis=0)) > 50


def _video_state(tmp_path: Path, page: str, vid: str) -> dict[str, float]:
    """What Chromium's media element says of video ``vid`` once the page has loaded: a
    test-only script (the page itself has none) writes it into the DOM that is dumped."""
    probe = (
        "<script>addEventListener('load',()=>{const v=document.getElementById('VID');"
        "const say=()=>{document.body.dataset.video=JSON.stringify({ready:v.readyState,"
        "error:v.error?v.error.code:0,width:v.videoWidth,height:v.videoHeight,"
        "duration:v.duration})};v.addEventListener('loadeddata',say);"
        "v.addEventListener('error',say);say()})</script>"
    ).replace("VID", vid)
    path = tmp_path / "probe.html"
    path.write_text(page.replace("</body>", probe + "</body>"), encoding="utf-8")
    dom = _chromium(tmp_path, path, "--virtual-time-budget=10000", "--dump-dom").stdout
    m = re.search(r'data-video="([^"]*)"', dom)
    assert m, f"chromium reported nothing on {vid}"
    return json.loads(html.unescape(m.group(1)))


@pytest.mark.e2e  # the real pose model: out of the fast lane
@needs_chromium
@needs_clip
def test_chromium_plays_the_issue_clip_and_shows_its_poster(
    tmp_path: Path, clip_page: tuple[dict, str]
) -> None:
    _, page = clip_page
    out = tmp_path / "r.html"
    out.write_text(page, encoding="utf-8")
    dom = _chromium(tmp_path, out, "--dump-dom").stdout
    assert len(re.findall(r'<video class="clip" id="clip-1"', dom)) == 1
    ((_, mp4, _),) = _clips(page)
    _, w, h, _ = _decoded(mp4)
    state = _video_state(tmp_path, page, "clip-1")
    # HAVE_CURRENT_DATA or more: Chromium decoded the H.264 (or VP9) and has a frame to show
    assert state["error"] == 0 and state["ready"] >= 2, state
    assert (state["width"], state["height"]) == (w, h) and state["duration"] > 1.0
    shown = _on_screen(tmp_path, page, "clip-1", attr="poster")
    sh, sw = shown.shape[:2]
    assert 200 < sw <= 360 and 50 < sh <= 480 and shown.std() > 20  # the poster, shown
