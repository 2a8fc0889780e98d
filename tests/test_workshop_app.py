"""`cogov workshop` in a real browser (Debian's chromium driven by Playwright): a facilitator and four
participants in different roles, each in their own browser context, play two rounds with an
event, open the debrief, and the saved session replays to the same outcomes; a participant cannot
act for another role."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
from PIL import Image

from cogov_sim.experiments.workshop import replay

from .conftest import keep_image, stop
from .test_app import FLAGS, chromium, free_port


@pytest.fixture
def workshop(tmp_path):
    port = free_port()
    out = tmp_path / "session"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen([sys.executable, "-m", "cogov_sim.cli", "workshop", "--port", str(port), "--rounds", "2",
                             "--weeks-per-round", "4", "--time-limit", "600", "--out", str(out),
                             "--set", "population.residents=1500"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while not any(x.startswith("session log:") for x in lines):
        line = proc.stdout.readline()
        if line:
            lines.append(line.strip())
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("cogov workshop did not start: " + "\n".join(lines))
    text = "\n".join(lines)
    urls = {"facilitator": re.search(r"facilitator: (\S+)", text).group(1),
            "join": re.search(r"participants: (\S+)", text).group(1)}
    while True:  # the socket is bound before the server accepts: wait for it
        try:
            urllib.request.urlopen(urls["facilitator"], timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("cogov workshop does not answer")
            time.sleep(0.3)
    yield urls, out
    stop(proc)


def join(browser, url: str, role: str, name: str):
    page = browser.new_context(viewport={"width": 1000, "height": 1400}).new_page()
    page.goto(url)
    page.fill("input[name=name]", name)
    page.check(f"input[value='{role}']")
    page.click("button[type=submit]")
    page.wait_for_selector("#decision")
    return page


def submit(page) -> None:
    page.click("#send")
    page.wait_for_function("() => document.getElementById('msg').className === 'ok'", timeout=10_000)


def set_range(page, name: str, value: float) -> None:
    page.eval_on_selector(f"input[name='{name}']", f"el => {{ el.value = {value}; el.dispatchEvent(new Event('input')); }}")


def test_a_room_plays_two_rounds_with_an_event_and_the_session_replays(workshop):
    path = chromium()
    from playwright.sync_api import sync_playwright

    urls, out = workshop
    key = re.search(r"k=(\S+)", urls["facilitator"]).group(1)
    base = urls["facilitator"].split("/facilitator")[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=FLAGS)
        fac = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        fac.goto(urls["facilitator"])
        assert fac.locator("svg.segno").count() == 1 and "加入码" in fac.inner_text("body")  # the QR code and the code

        office = join(browser, urls["join"], "street_office", "王主任")
        firm = join(browser, urls["join"], "enterprise:0", "李经理")
        org = join(browser, urls["join"], "organisation:0", "赵社工")
        committee = join(browser, urls["join"], "committee:1", "刘书记")
        assert "街道办事处" in office.inner_text("h1") and "政策杠杆" in office.inner_text("body")
        office.check("input[name='levers.online_platform']")
        set_range(office, "priorities.social_security", 1.0)
        submit(office)
        set_range(firm, "csr", 0.9)
        submit(firm)
        submit(org)
        set_range(committee, "campaign", 0.8)
        committee.select_option("select[name=ask]", "social_security")
        submit(committee)

        # a participant acts for its own role only, whatever it sends
        status, body = firm.evaluate("""async () => {
            const t = new URLSearchParams(location.search).get('t');
            const r = await fetch('/api/submit?t=' + t, {method: 'POST', headers: {'Content-Type': 'application/json'},
                                  body: JSON.stringify({role: 'street_office', decision: {effort: 1.1}})});
            return [r.status, await r.text()]; }""")
        assert status == 403 and "enterprise:0 only" in body
        status, _ = firm.evaluate("""async () => {
            const r = await fetch('/api/submit?t=not-a-token', {method: 'POST', body: '{"decision": {}}'});
            return [r.status, await r.text()]; }""")
        assert status == 403
        status, body = firm.evaluate("""async () => {
            const t = new URLSearchParams(location.search).get('t');
            const r = await fetch('/api/submit?t=' + t, {method: 'POST', body: JSON.stringify({decision: {csr: '../../etc'}})});
            return [r.status, await r.text()]; }""")
        assert status == 400 and "allowed: a number from 0 to 1" in body
        assert urllib_status(base + "/?code=WRONG") == 403 and urllib_status(base + "/api/room?k=wrong") == 403
        status, _ = firm.evaluate("""async () => {
            const t = new URLSearchParams(location.search).get('t');
            const r = await fetch('/api/submit?t=' + t, {method: 'POST', body: 'x'.repeat(100000)});
            return [r.status, await r.text()]; }""")
        assert status == 413  # nothing large is read

        fac.wait_for_function("() => document.querySelectorAll('#who tr').length === 4 && "
                              "[...document.querySelectorAll('#who tr')].every(r => r.innerText.includes('本轮已提交'))",
                              timeout=10_000)
        fac.click("#advance")
        fac.wait_for_function("() => document.getElementById('round').innerText.includes('第 2 轮')", timeout=30_000)
        committee.wait_for_function("() => document.getElementById('round').innerText.includes('第 2 轮')",
                                    timeout=15_000)
        office.wait_for_function("() => document.getElementById('round').innerText.includes('第 2 轮')",
                                 timeout=15_000)
        office.wait_for_timeout(500)
        assert "1号社区: 社会保障" in office.inner_text("body")  # the committee's request reaches the street office
        fac.wait_for_function("() => document.getElementById('decided').innerText.includes('企业 0')")
        fac.click(".event-data_breach")
        fac.wait_for_function("() => document.getElementById('events').innerText.includes('数据泄露')")
        set_range(firm, "csr", 0.2)
        submit(firm)
        fac.click("#advance")
        fac.wait_for_function("() => document.getElementById('round').innerText.includes('工作坊已结束')",
                              timeout=30_000)
        fac.wait_for_timeout(1500)
        shot = out.parent / "workshop_facilitator_zh.png"
        fac.screenshot(path=str(shot))
        keep_image(shot, "workshop_facilitator_zh.png")
        part = out.parent / "workshop_participant_zh.png"
        office.screenshot(path=str(part), full_page=True)
        keep_image(part, "workshop_participant_zh.png")

        debrief = browser.new_context().new_page()
        debrief.goto(f"{base}/debrief?k={key}")
        text = debrief.inner_text("body")
        assert "复盘" in text and "街道办事处" in text and "企业 0" in text and "数据泄露" in text
        assert debrief.locator("table.debrief tr").count() == 1 + 2 * 9  # two rounds of nine outcomes
        browser.close()
    assert "复盘" in (out / "debrief.html").read_text(encoding="utf-8")  # written when the last round ends
    log = json.loads((out / "session.json").read_text(encoding="utf-8"))
    assert [sorted(r["decisions"]) for r in log["rounds"]] == [
        ["committee:1", "enterprise:0", "organisation:0", "street_office"], ["enterprise:0"]]
    assert log["rounds"][1]["events"] == ["data_breach"] and log["rounds"][0]["decisions"]["enterprise:0"]["csr"] == 0.9
    again = replay(out / "session.json")  # raises if any round's outcomes differ from the log's
    assert [r.outcomes for r in again.played] == [pytest.approx(r["outcomes"], nan_ok=True) for r in log["rounds"]]
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert pixels.shape[:2] == (1080, 1920) and pixels.std() > 20


def urllib_status(url: str) -> int:
    try:
        return urllib.request.urlopen(url, timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("args, fragment", [
    (["--rounds", "0"], "--rounds"),
    (["--time-limit", "soon"], "--time-limit"),
    (["--set", "population.residents=-5"], "population.residents"),
    (["--scenario", "no_such_street"], "no_such_street"),
    (["--lang", "fr"], "--lang"),
])
def test_bad_workshop_input_is_one_line_and_exit_2(tmp_path, args, fragment):
    res = subprocess.run([sys.executable, "-m", "cogov_sim.cli", "workshop", "--port", str(free_port()),
                          "--out", str(tmp_path / "s"), *args], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 2 and fragment in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    assert not (tmp_path / "s").exists()


def test_a_workshop_never_writes_into_a_folder_that_holds_files(tmp_path):
    out = tmp_path / "s"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    res = subprocess.run([sys.executable, "-m", "cogov_sim.cli", "workshop", "--port", str(free_port()), "--out",
                          str(out)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "not empty" in res.stderr and (out / "keep.txt").read_text() == "mine"
