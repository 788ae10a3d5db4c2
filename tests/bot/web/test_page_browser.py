"""The rotation page in a real browser: Debian's Chromium, driven by Selenium through
/usr/bin/chromedriver (set explicitly, so Selenium Manager downloads nothing), against
the real `queueday serve` of the other end-to-end tests.

Checked: no console errors (a CSP violation is one), every published day of the grid
with the right names, one fairness bar per person, no horizontal scroll on a phone,
axe-core's WCAG 2 A/AA rules in light and dark mode, and a reset link's 404.
axe-core comes from npm (.ci/run installs it; AXE_CORE_JS names its axe.min.js).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from sqlalchemy.engine import Engine

import bot.usecases as uc
from bot.usecases.page import page_link
from storage import queries
from tests.bot.flows import TEAM, Rotation, now, seed
from tests.bot.server import RunningServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE = Path(os.environ.get("AXE_CORE_JS", "/tmp/queueday-axe/node_modules/axe-core/axe.min.js"))
SECRET = "test-secret-key-at-least-32-characters"  # tests/bot/server.py's
BASE = "http://queueday.test"
PHONE = {"width": 375, "height": 740, "deviceScaleFactor": 2, "mobile": True}


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    missing = [str(needed) for needed in (CHROMIUM, CHROMEDRIVER, AXE) if not needed.exists()]
    if missing and not os.environ.get("CI"):
        # `make test` on a machine without a browser; CI (.ci/run installs one) never skips.
        pytest.skip(f"{', '.join(missing)} missing: run .ci/run, which installs them")
    assert not missing, f"{', '.join(missing)} missing: .ci/run installs them"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # tests run as root in CI containers
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def rotation(db: Engine) -> Rotation:
    team = seed(db, people=8)
    with team.session() as session:
        uc.add_member(
            session, team_id=TEAM, rotation=team.name, actor=team.admin, now=now(),
            user=f"UX{team.name.upper()}", name="<script>alert(1)</script>",
            email=None, joined=now().date(),
        )  # fmt: skip
    return team


def link(team: Rotation, *, reset: bool = False) -> str:
    with team.session() as session:
        made = page_link(
            session, team_id=TEAM, rotation=team.name, now=now(), secret=SECRET,
            base_url=BASE, actor=team.admin, reset=reset,
        )  # fmt: skip
    return made.url.removeprefix(BASE)


def open_page(browser: webdriver.Chrome, server: RunningServer, path: str) -> None:
    browser.get_log("browser")  # drop what an earlier page logged
    browser.get(server.url + path)


def console_errors(browser: webdriver.Chrome) -> list[dict[str, Any]]:
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def axe_violations(browser: webdriver.Chrome) -> list[dict[str, Any]]:
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa',"
        " 'best-practice']}}).then(r => done(r.violations), e => done([{id: String(e)}]));"
    )
    return [{"id": v["id"], "nodes": [n.get("target") for n in v.get("nodes", [])][:5]}
            for v in result]  # fmt: skip


def test_the_page_loads_cleanly_with_every_published_day(
    browser: webdriver.Chrome, server: RunningServer, rotation: Rotation
) -> None:
    open_page(browser, server, link(rotation))
    assert browser.title == f"{rotation.name} · QueueDay"
    assert console_errors(browser) == []
    shown: dict[date, list[str]] = {}
    for cell in browser.find_elements(By.CSS_SELECTOR, "td[data-day]"):
        names = [li.text for li in cell.find_elements(By.CSS_SELECTOR, "ul.people li")]
        shown[date.fromisoformat(cell.get_attribute("data-day") or "")] = names
    with rotation.session() as session:
        row = queries.rotation_of_team(session, team_id=TEAM, name=rotation.name)
        assert row is not None and row.id is not None
        expected: dict[date, list[str]] = defaultdict(list)
        for day, _, name in queries.live_days_with_names(
            session, rotation_id=row.id, first=date.min, last=date.max
        ):
            expected[day].append(name)
    assert expected and set(expected) <= set(shown)
    for day, names in expected.items():
        assert sorted(shown[day]) == sorted(names), day
    assert all(not names for day, names in shown.items() if day not in expected)
    # One bar per person on the team, the one named like a tag among them, as text.
    bars = browser.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar.now")
    assert len(bars) == len(rotation.everyone) + 1
    assert (
        "<script>alert(1)</script>"
        in browser.find_element(By.ID, "people").find_element(By.XPATH, "..").text
    )
    assert browser.find_elements(By.TAG_NAME, "script") == []


def test_a_phone_has_no_horizontal_scroll(
    browser: webdriver.Chrome, server: RunningServer, rotation: Rotation
) -> None:
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    try:
        open_page(browser, server, link(rotation))
        width = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert width[0] <= width[1], width
        assert console_errors(browser) == []
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_accessibility_violations(
    browser: webdriver.Chrome, server: RunningServer, rotation: Rotation, scheme: str
) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )
    try:
        open_page(browser, server, link(rotation))
        background = browser.execute_script(
            "return getComputedStyle(document.body).backgroundColor"
        )
        assert background == ("rgb(255, 255, 255)" if scheme == "light" else "rgb(21, 23, 26)")
        assert axe_violations(browser) == []
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def test_a_reset_link_answers_404(
    browser: webdriver.Chrome, server: RunningServer, rotation: Rotation
) -> None:
    old = link(rotation)
    new = link(rotation, reset=True)
    open_page(browser, server, old)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert json.loads(body) == {"error": "Not Found"} or "Not Found" in body
    assert browser.find_elements(By.CSS_SELECTOR, "td[data-day]") == []
    # The checker does find problems: a bare JSON document has no title and no lang.
    assert {"document-title", "html-has-lang"} <= {v["id"] for v in axe_violations(browser)}
    open_page(browser, server, new)
    assert browser.find_elements(By.CSS_SELECTOR, "td[data-day]")
