"""The pages in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright; no browser
download): a real song uploaded through the page shows the API's dance, the bars and a drawn chart;
the phone layout has no sideways scrolling; recording from a (fake) microphone works; the marquee
follows the live adapter, through the real announcer and through `dancecore live --feed`.

`dancecore serve` runs as a real uvicorn server in a subprocess on a free port."""
from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from bot_clips import cut
from conftest import DATA, REPO, song
from dancecore import wording
from dancecore.classify import Classifier
from dancecore.model import load_model

sync_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("adapters.announcers.web")
from adapters.announcers.web import WebAnnouncer  # noqa: E402
from dancecore.stream.events import DanceEvent, SilenceEvent  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--headless=new"]
FEED_TOKEN = "browser-test-token"
SCREENSHOT = REPO / "docs" / "web_screenshot.png"
# the heading's colours by style (style.css, light scheme: the marquee's hues, deeper to read on white), and
# the colours it must never take: the error boxes' red and a grey that looks disabled
STYLE_RGB = {"latin": "rgb(232, 89, 12)", "standard": "rgb(28, 126, 214)"}
INK_RGB = "rgb(29, 35, 48)"
# an other-dance excerpt the shipped model is not sure of ("sounds like another dance")
UNSURE_EXCERPT = DATA / "songs" / "not_ballroom" / "bachata__Enrique_Iglesias_Romeo_Santos_Loco.opus"


SERVER_LOG: list[str] = []   # what the server printed (stdout and stderr)


@pytest.fixture(scope="module")
def server(model_path: Path) -> Iterator[str]:
    """`dancecore serve --port 0` in a subprocess; its base URL."""
    env = {**os.environ, "DANCECORE_FEED_TOKEN": FEED_TOKEN, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "dancecore.cli", "serve", "--port", "0", "--model", str(model_path)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    SERVER_LOG.clear()
    threading.Thread(target=lambda: [(lines.put(line), SERVER_LOG.append(line)) for line in proc.stdout],
                     daemon=True).start()
    try:
        first = lines.get(timeout=180)
    except queue.Empty:
        proc.kill()
        pytest.fail("dancecore serve printed nothing within 180 s")
    assert first.startswith("dancecore: serving http://127.0.0.1:"), first
    yield first.split()[2].rstrip("/")
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no system Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def chromium(playwright: Any) -> Iterator[Any]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory, song_labels: list[dict[str, str]]) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("browser_media")
    samba = song(song_labels, "samba")
    return {"song": song(song_labels, "slow_waltz"),
            "latin": song(song_labels, "cha_cha_cha"),
            "unsure": cut(UNSURE_EXCERPT, folder / "unsure.mp3", 0, 60, "-b:a", "128k"),
            "clip": cut(song(song_labels, "jive"), folder / "jive clip.mp3", 40, 12, "-b:a", "96k"),
            "mic": cut(samba, folder / "mic.wav", 40, 20, "-ac", "1", "-ar", "48000", "-c:a", "pcm_s16le")}


def api_answer(server: str, path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        response = httpx.post(server + "/api/classify", files={"file": (path.name, f, "application/octet-stream")},
                              timeout=300)
    assert response.status_code == 200, response.text
    return response.json()


def open_page(chromium: Any, url: str, **context: Any) -> Any:
    page = chromium.new_context(**context).new_page()
    page.set_default_timeout(180_000)
    page.goto(url)
    return page


def chart_ink(page: Any) -> dict[str, Any]:
    """Share of the timeline canvas that is painted, and how many distinct colours it holds."""
    return page.evaluate("""() => {
        const c = document.getElementById('timeline');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let painted = 0; const colours = new Set();
        for (let i = 0; i < d.length; i += 4) {
            if (d[i + 3] > 200) { painted++; colours.add(d[i] + ',' + d[i + 1] + ',' + d[i + 2]); }
        }
        return {painted: painted / (c.width * c.height), colours: colours.size, width: c.clientWidth};
    }""")


def show_result(page: Any, path: Path) -> dict[str, Any]:
    """Pick `path` in the page's file input; the API's JSON answer the page received."""
    page.wait_for_selector("body[data-ready='1']")
    with page.expect_response(lambda r: r.url.endswith("/api/classify")) as answer:
        page.set_input_files("#file", str(path))
    page.wait_for_selector("#result:not([hidden])")
    assert answer.value.status == 200
    return answer.value.json()


def colour(page: Any, selector: str) -> str:
    return page.eval_on_selector(selector, "e => getComputedStyle(e).color")


def assert_said_as_everywhere(page: Any, r: dict[str, Any]) -> None:
    """The page puts the API's answer in the words of the CLI and the bot (dancecore.wording)."""
    assert page.text_content("#dance") == wording.headline(r)
    how = wording.how_sure(r)
    assert page.text_content("#verdict") == how[0].upper() + how[1:] + ("." if r["not_sure"] else "")
    assert page.text_content("#tempo") == wording.tempo(r)
    assert page.text_content("#meter") == (wording.meter(r) or "not heard")
    assert page.text_content("#listened") == wording.listened(r)
    assert not re.search(r"\d\.\d\d", page.text_content("#result"))   # no raw thresholds or probabilities


def test_upload_shows_the_dance_bars_and_chart(server: str, chromium: Any, clips: dict[str, Path],
                                               tmp_path: Path) -> None:
    page = open_page(chromium, server + "/", viewport={"width": 1000, "height": 900})
    expected = show_result(page, clips["song"])
    assert_said_as_everywhere(page, expected)
    assert page.get_attribute("#dance", "data-dance") == expected["dance"]
    if not expected["not_sure"]:   # issue 19 item 2: the marquee's colour of its style
        assert colour(page, "#dance") == STYLE_RGB[expected["style"]]
    assert page.text_content("#file-name") == clips["song"].name
    assert page.eval_on_selector_all("#bars li", "items => items.map(i => i.dataset.dance)")[0] == expected["dance"]
    assert page.locator("#bars li").count() == 10
    ink = chart_ink(page)
    assert ink["painted"] > 0.5 and ink["colours"] >= 2, ink
    assert page.is_hidden("#problem")
    assert any(" POST /api/classify 200 " in line and ": result " in line for line in SERVER_LOG)   # access log
    shot = tmp_path / "web_page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size < 400_000
    if os.environ.get("DANCECORE_UPDATE_SCREENSHOT"):   # refresh the picture in docs/ only when asked
        shutil.copyfile(shot, SCREENSHOT)
    page.context.close()


def test_heading_colours_by_style_and_not_sure_in_words(server: str, chromium: Any,
                                                         clips: dict[str, Path]) -> None:
    """Issue 19 items 2 and 3: a named dance in its style's colour, never the error red; "not sure" as a plain
    heading with the reason in words, like the CLI and the bot."""
    page = open_page(chromium, server + "/", viewport={"width": 1000, "height": 900})
    latin = show_result(page, clips["latin"])
    assert_said_as_everywhere(page, latin)
    if not latin["not_sure"]:
        assert colour(page, "#dance") == STYLE_RGB[latin["style"]]
    unsure = show_result(page, clips["unsure"])   # a bachata: the model is not sure of it
    assert unsure["not_sure"], "the excerpt is no longer 'not sure': choose another"
    assert_said_as_everywhere(page, unsure)
    assert page.text_content("#dance") == "Not sure" and colour(page, "#dance") == INK_RGB
    assert unsure["not_sure_reason"][1:] in page.text_content("#verdict")   # as a sentence: capital first
    problem_red = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--problem').trim()")
    assert problem_red == "#c92a2a" and colour(page, "#dance") != "rgb(201, 42, 42)"
    page.context.close()


def test_songs_of_a_set_are_listed_as_the_cli_says_them(server: str, chromium: Any, clips: dict[str, Path]) -> None:
    """Issue 18 part 3: an answer with `sections` (a recording of several songs) lists each song's times and verdict
    in the words of `dancecore classify --sections` (words.js mirrors dancecore.wording); one song: no list."""
    page = open_page(chromium, server + "/", viewport={"width": 1000, "height": 900})
    answer = show_result(page, clips["clip"])
    assert "sections" not in answer and page.is_hidden("#sections-box")
    songs = [{**answer, "start_s": 0.4, "end_s": 75.0},
             {**answer, "start_s": 78.1, "end_s": 3735.4, "not_sure": True, "not_sure_reason": "no steady beat"}]
    page.evaluate("r => showResult(r)", {**answer, "sections": songs})
    assert page.is_visible("#sections-box")
    shown = page.eval_on_selector_all("#sections li", "items => items.map(i => i.textContent)")
    assert shown == [wording.section(s) for s in songs]
    assert shown[1].startswith("1:18-1:02:15 Not sure: no steady beat; best guess")
    page.evaluate("r => showResult(r)", answer)
    assert page.is_hidden("#sections-box")
    page.context.close()


def test_docs_page_works_without_internet(server: str, chromium: Any) -> None:
    """Issue 19 item 1: /docs renders Swagger UI from this server alone; every other host is cut off."""
    page = chromium.new_context().new_page()
    elsewhere: list[str] = []

    def only_this_server(route: Any) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=60_000)
    assert "dancecore" in page.text_content(".swagger-ui .info .title")
    page.wait_for_selector("#operations-default-classify_api_classify_post, .opblock-summary-path[data-path='/api/classify']",
                           timeout=60_000)
    assert elsewhere == [] and errors == [], (elsewhere, errors)
    page.context.close()


def test_phone_layout_fits_the_screen(server: str, chromium: Any, clips: dict[str, Path], tmp_path: Path) -> None:
    expected = api_answer(server, clips["clip"])       # asked independently of the page
    page = open_page(chromium, server + "/", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                     device_scale_factor=2)
    assert show_result(page, clips["clip"])["dance"] == expected["dance"]
    assert page.get_attribute("#dance", "data-dance") == expected["dance"]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    ink = chart_ink(page)
    assert ink["width"] <= 390 and ink["painted"] > 0.5, ink
    page.screenshot(path=str(tmp_path / "web_phone.png"), full_page=True)
    page.context.close()


def test_refusal_is_shown_as_the_servers_message(server: str, chromium: Any, tmp_path: Path) -> None:
    notes = tmp_path / "notes.mp3"
    notes.write_text("These are my dance notes, not a song.\n" * 20)
    with notes.open("rb") as f:
        expected = httpx.post(server + "/api/classify", files={"file": (notes.name, f, "audio/mpeg")}, timeout=60)
    assert expected.status_code == 415
    page = open_page(chromium, server + "/", viewport={"width": 1000, "height": 900})
    page.wait_for_selector("body[data-ready='1']")
    page.set_input_files("#file", str(notes))
    page.wait_for_selector("#problem:not([hidden])")
    assert page.text_content("#problem") == expected.json()["message"]
    assert page.is_hidden("#result")
    page.context.close()


def test_recording_from_the_microphone(server: str, playwright: Any, clips: dict[str, Path]) -> None:
    """Chromium's fake microphone plays a real song; the page records it, uploads it, shows a dance."""
    mic_args = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={clips['mic']}"]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + mic_args)
    try:
        page = open_page(browser, server + "/", viewport={"width": 1000, "height": 900})
        page.wait_for_selector("body[data-ready='1']")
        page.click("#record")
        page.wait_for_function("() => document.getElementById('record-time').textContent.startsWith('0:06')")
        page.click("#record")
        page.wait_for_selector("#result:not([hidden]), #problem:not([hidden])")
        assert page.is_hidden("#problem"), page.text_content("#problem")
        assert page.text_content("#file-name").startswith("recording.")
        dance_ids = [d["id"] for d in httpx.get(server + "/api/info").json()["dances"]]
        assert page.get_attribute("#dance", "data-dance") in dance_ids
        assert float(page.text_content("#listened").split(":")[1]) >= 5   # about six seconds were recorded
        assert chart_ink(page)["painted"] > 0.5
    finally:
        browser.close()


def live_result(classifier: Classifier, path: Path, top: str, also_fits: str | None = None) -> Any:
    """A real classification with its probabilities rolled so that `top` leads (named, `also_fits` second)."""
    result = classifier.classify(path)
    order = sorted(result.probabilities, key=result.probabilities.__getitem__, reverse=True)
    first = [top, *([also_fits] if also_fits else [])]
    result.probabilities = dict(zip([*first, *[d for d in order if d not in first]],
                                    [result.probabilities[d] for d in order]))
    result.not_sure, result.not_sure_reason, result.also_fits = False, None, also_fits
    return result


def test_marquee_follows_the_announcer(server: str, chromium: Any, clips: dict[str, Path], model_path: Path,
                                       tmp_path: Path) -> None:
    classifier = Classifier(load_model(model_path, threads=1))
    page = open_page(chromium, server + "/marquee", viewport={"width": 1280, "height": 720})
    page.wait_for_selector("#connection:text-is('live')")
    assert page.text_content("#dance") == "Waiting for the music…"
    web = WebAnnouncer(url=server, token=FEED_TOKEN)
    tango = live_result(classifier, clips["clip"], "tango", also_fits="quickstep")
    web.dance(DanceEvent(tango, song=1, since_song_start_s=6, stream_s=6, windows=3))
    page.wait_for_selector("#dance[data-dance='tango']")
    assert page.text_content("#dance") == "Tango" and page.text_content("#also") == "also fits Quickstep"
    detail = page.text_content("#detail")
    assert detail.startswith("Standard") and wording.tempo(tango.to_dict()) in detail
    if tango.beats_per_bar:
        assert f" · {tango.beats_per_bar}/4 · " in detail   # the meter heard
    unsure = live_result(classifier, clips["clip"], "jive")
    unsure.not_sure, unsure.not_sure_reason = True, "no steady beat"
    web.dance(DanceEvent(unsure, song=1, since_song_start_s=12, stream_s=12, windows=4, revised=True))
    page.wait_for_selector("#dance[data-event='dance'][data-dance='']")
    assert page.text_content("#dance") == "Not sure" and page.text_content("#also") == ""
    assert page.text_content("#detail") == wording.how_sure(unsure.to_dict())
    web.silence(SilenceEvent(song=1, stream_s=180))
    page.wait_for_selector("#dance[data-event='silence']")
    web.dance(DanceEvent(live_result(classifier, clips["clip"], "viennese_waltz"), song=2, since_song_start_s=7,
                         stream_s=200, windows=3))
    page.wait_for_selector("#dance[data-dance='viennese_waltz']")
    assert page.text_content("#dance") == "Viennese Waltz"
    page.screenshot(path=str(tmp_path / "marquee.png"))
    web.close()
    page.wait_for_selector("#dance[data-event='stopped']")
    page.context.close()


def test_marquee_follows_dancecore_live_feed(server: str, chromium: Any, clips: dict[str, Path],
                                             model_path: Path) -> None:
    """The real adapter (`dancecore live --source file:... --feed URL`) drives the marquee."""
    page = open_page(chromium, server + "/marquee", viewport={"width": 1280, "height": 720})
    page.wait_for_selector("#connection:text-is('live')")
    page.evaluate("""() => {
        window.seen = [];
        const dance = document.getElementById('dance');
        new MutationObserver(() => window.seen.push(dance.dataset.event + ':' + dance.dataset.dance))
            .observe(dance, {attributes: true, attributeFilter: ['data-seq']});
    }""")
    live = subprocess.run([sys.executable, "-m", "dancecore.cli", "live", "--source", f"file:{clips['clip']}",
                           "--speed", "0", "--model", str(model_path), "--min-confidence", "0", "--json",
                           "--status", "off", "--feed", server],
                          cwd=REPO, env={**os.environ, "DANCECORE_FEED_TOKEN": FEED_TOKEN},
                          capture_output=True, text=True, timeout=300)
    assert live.returncode == 0, live.stderr
    announced = [json.loads(line)["dance"] for line in live.stdout.splitlines()
                 if line.startswith("{") and json.loads(line)["event"] == "dance"]
    assert announced, live.stdout + live.stderr
    page.wait_for_function("() => window.seen.includes('stopped:')")
    seen = page.evaluate("window.seen")
    assert [s.split(":")[1] for s in seen if s.startswith("dance:")] == announced
    assert "failed" not in live.stderr
    page.context.close()

