"""The workshop app end to end in a real browser (Debian's chromium driven by Playwright), the
views it draws, and `cogov animate`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
from PIL import Image

from cogov_sim.model.model import CoGovModel
from cogov_sim.model.scenario import load_scenario

from .conftest import ROOT

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("COGOV_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (COGOV_REQUIRE_BROWSER is set) but not installed")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def demo():
    port = free_port()
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen([sys.executable, "-m", "cogov_sim.cli", "demo", "--port", str(port), "--lang", "en"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"cogov demo did not start: {proc.stdout.read()}")
        time.sleep(0.5)
    yield url, proc
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_the_workshop_app_in_a_real_browser(demo, tmp_path):
    browser_path = chromium()
    from playwright.sync_api import sync_playwright

    url, proc = demo
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=FLAGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.goto(url, timeout=90_000)
        page.wait_for_selector("img.cogov-outcomes", timeout=90_000)
        status = page.locator(".cogov-status")
        assert "Week 0" in status.inner_text()
        plots_before = page.locator("img.cogov-outcomes").screenshot()

        platform = page.get_by_role("checkbox", name="Online platform")
        assert not platform.is_checked()
        page.get_by_text("Online platform", exact=True).click()
        page.wait_for_function("() => document.querySelector('input[aria-checked]') !== null || true")
        assert platform.is_checked()

        timings = []
        for i in range(1, 4):
            t0 = time.monotonic()
            page.get_by_role("button", name="4 weeks").click()
            page.wait_for_function(f"() => document.querySelector('.cogov-status').innerText.includes('Week {4 * i}:')",
                                   timeout=30_000)
            timings.append(time.monotonic() - t0)
        page.wait_for_timeout(500)
        plots_after = page.locator("img.cogov-outcomes").screenshot()
        assert plots_after != plots_before  # the plots changed

        page.get_by_role("button", name="Data breach").click()
        page.get_by_role("button", name="Step 1 week").click()
        page.wait_for_function("() => document.querySelector('.cogov-status').innerText.includes('Week 13:')")

        page.get_by_role("button", name="中文").click()
        page.wait_for_function("() => document.querySelector('.cogov-status').innerText.includes('第 13 周')",
                               timeout=30_000)
        text = page.inner_text("body")
        for label in ("线上平台", "网格员", "参与率", "前进 1 周", "数据泄露"):
            assert label in text, label
        page.get_by_role("button", name="播放").click()  # play runs week after week until paused
        page.wait_for_function("() => !document.querySelector('.cogov-status').innerText.includes('第 13 周')",
                               timeout=30_000)
        page.get_by_role("button", name="暂停").click()
        page.wait_for_timeout(800)
        shot = tmp_path / "demo.png"
        page.screenshot(path=str(shot), full_page=True)
        keep = ROOT / "results" / "e2e"
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, keep / "demo.png")
        browser.close()
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert pixels.std() > 20  # a page with content, not a blank
    # every step of four weeks, with the redraw, arrives well under a few seconds even on a loaded CI machine
    assert max(timings) < 5, timings


def test_a_live_shock_acts_from_the_next_week():
    s = load_scenario(ROOT / "scenarios" / "baseline.toml", {"population.residents": 1500, "run.steps": 20,
                                                              "run.burn_in": 4})
    a, b = CoGovModel(s), CoGovModel(s)
    for _ in range(5):
        a.step()
        b.step()
    b.schedule_shock("data_breach")
    b.schedule_shock("budget_cut", magnitude=1.0, duration=3)
    for _ in range(5):
        a.step()
        b.step()
    ta, tb = a.timeseries(), b.timeseries()
    assert np.array_equal(ta["spend"][:5], tb["spend"][:5]) and np.array_equal(ta["breaches"][:5], tb["breaches"][:5])
    assert tb["breaches"][5] >= 1 and tb["breaches"][5] > ta["breaches"][5]
    assert (tb["spend"][5:8] == 0).all() and (ta["spend"][5:8] > 0).all() and tb["spend"][8] > 0
    with pytest.raises(ValueError, match="unknown shock"):
        b.schedule_shock("earthquake")


def test_the_view_draws_every_agent_kind_with_chinese_labels_and_follows_the_model():
    import matplotlib.pyplot as plt

    from cogov_sim.present.app import Session

    os.chdir(ROOT)
    session = Session("baseline")
    session.step(8)
    lay = session.layout
    assert len(lay.drawn) <= 900 and len(lay.enterprises) == len(session.model.enterprises)
    session.step(1)
    images = list(session.render("zh", "participation"))
    session.step(1)
    assert session.render("zh", "participation") != tuple(images)  # the views follow the model
    assert all(len(x) > 10_000 for x in images)  # speed: benchmarks/bench_app.py, not a timed test
    plt.close("all")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_animate_writes_a_gif_that_opens(lang, tmp_path):
    out = tmp_path / f"baseline-{lang}.gif"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    res = subprocess.run([sys.executable, "-m", "cogov_sim.cli", "animate", "baseline", "--out", str(out), "--lang",
                          lang, "--every", "13", "--quiet"], cwd=ROOT, capture_output=True, text=True, env=env,
                         timeout=600)
    assert res.returncode == 0, res.stderr
    im = Image.open(out)
    assert im.format == "GIF" and im.n_frames == 12 and im.size[0] > 600
    again = subprocess.run([sys.executable, "-m", "cogov_sim.cli", "animate", "baseline", "--out", str(out)],
                           cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    assert again.returncode == 2 and "file exists" in again.stderr
