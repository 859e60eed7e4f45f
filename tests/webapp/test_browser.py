"""The UI in a real browser: Playwright drives Debian's Chromium against the app on a free port.

Signs in, runs a boolean search, applies a location and a years-of-experience facet, opens a
profile, saves to a project, sends an InMail and sees it listed. Takes small screenshots of the
search and profile pages in a temporary folder; the committed docs/screenshots/ are refreshed only
with TALENT_REFRESH_SCREENSHOTS=1. Skips without Chromium, except under CI=true where it fails.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, make_app

pytestmark = pytest.mark.browser

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
COMMITTED_SCREENSHOTS = REPO / "docs" / "screenshots"
SCREENSHOT_NAMES = ("search.png", "profile.png")
REFRESH_SCREENSHOTS = os.environ.get("TALENT_REFRESH_SCREENSHOTS", "") == "1"
"""Whether this run replaces the committed screenshots (read at import: the ``web_world`` fixture
clears ``TALENT_*`` variables while it runs)."""


@pytest.fixture(scope="module")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        message = "chromium not installed (apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI=true requires the browser test")
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def live_url(web_world) -> Iterator[str]:
    """The app served by werkzeug on a free localhost port, in a thread."""
    from werkzeug.serving import make_server

    app = make_app(web_world, TESTING=False)  # production cookie flags (Secure works on loopback)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def page(chromium_path, live_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1100, "height": 800}, base_url=live_url)
        pg = context.new_page()
        pg.set_default_timeout(15_000)
        yield pg
        context.close()
        browser.close()


@pytest.fixture
def screenshots(tmp_path) -> Iterator[Path]:
    """A temporary folder for this run's screenshots; copied over docs/screenshots/ only on
    request, and the committed files are otherwise left exactly as they are."""
    before = {p.name: (p.stat().st_mtime_ns,
                       p.read_bytes()) for p in COMMITTED_SCREENSHOTS.glob("*.png")}
    yield tmp_path
    taken = sorted(p.name for p in tmp_path.glob("*.png"))
    assert taken == sorted(SCREENSHOT_NAMES)
    if REFRESH_SCREENSHOTS:
        COMMITTED_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for name in taken:
            shutil.copyfile(tmp_path / name, COMMITTED_SCREENSHOTS / name)
    else:
        after = {p.name: (p.stat().st_mtime_ns,
                          p.read_bytes()) for p in COMMITTED_SCREENSHOTS.glob("*.png")}
        assert after == before, "the browser test wrote to docs/screenshots/ without being asked"


def screenshot(page, path: Path) -> None:
    """A small screenshot: a 128-colour palette PNG."""
    from PIL import Image

    page.screenshot(path=str(path))
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=128)
    small.save(path, optimize=True)


def test_recruiter_searches_saves_and_sends_an_inmail(page, web_world, screenshots):
    page.goto("/search")
    assert "/login" in page.url
    page.fill("input[name=email]", web_world.alice.email)
    page.fill("input[name=password]", web_world.alice.password)
    page.click("form#signin button[type=submit]")
    page.wait_for_url("**/search")

    page.fill("input[name=q]", "title:nurse OR (software AND engineer)")
    page.click("form#search-form button[type=submit]")
    page.wait_for_selector("li.result")
    total_before = page.inner_text("p.total")
    assert page.locator("p.interpretation").count() == 1

    page.locator("[data-facet=locations] a.role-must").first.click()
    page.wait_for_selector(".applied .chip.must")
    assert page.inner_text("p.total") != total_before

    bucket = page.locator("[data-facet=years_experience] li.fv").first
    count = bucket.locator("span.count").inner_text()
    bucket.locator("a.role-must").click()
    page.locator(".applied .chip", has_text="Years of experience").wait_for()
    assert page.inner_text("p.total strong") == count  # the facet's count is what the link gives
    screenshot(page, screenshots / "search.png")

    name = page.locator("li.result a.name").first.inner_text()
    page.locator("li.result a.name").first.click()
    page.wait_for_selector("h1")
    assert name in page.inner_text("h1")
    screenshot(page, screenshots / "profile.png")

    page.fill("#save-form input[name=new_project]", "Browser shortlist")
    page.click("#save-form button[type=submit]")
    page.wait_for_selector("p.flash.ok")
    assert "Saved to Browser shortlist" in page.inner_text("p.flash.ok")

    page.click("form.js-feedback button.good_fit")
    page.wait_for_selector("button.good_fit.on")

    page.fill("#inmail-form input[name=subject]", "A nursing role in your city")
    page.fill("#inmail-form textarea[name=body]", "Would you be open to a chat?")
    page.click("#inmail-form button[type=submit]")
    page.wait_for_url("**/inmails")
    row = page.locator("tr.inmail", has_text="A nursing role in your city")
    assert row.count() == 1 and "pending" in row.inner_text()
