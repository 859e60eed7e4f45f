"""Review mode in a real browser: Playwright drives Debian's Chromium against the app.

Signs in, opens a job, starts a review session, gives good fit / not a fit / skip and sees the
progress and the skill groups follow; a screenshot of the review page goes to a temporary folder
(docs/screenshots/review.png is refreshed only with TALENT_REFRESH_SCREENSHOTS=1). Skips without
Chromium, except under CI=true where it fails.
"""

from __future__ import annotations

import shutil

import pytest
from test_browser import (  # noqa: F401 - fixtures
    COMMITTED_SCREENSHOTS,
    REFRESH_SCREENSHOTS,
    chromium_path,
    live_url,
    page,
    screenshot,
)

pytestmark = pytest.mark.browser


def progress(page) -> str:  # noqa: F811 - the fixture imported above
    return " ".join(page.inner_text("p.progress").split())


def test_recruiter_reviews_a_job_one_candidate_at_a_time(page, web_world, tmp_path):  # noqa: F811
    page.goto("/projects")
    page.fill("input[name=email]", web_world.alice.email)
    page.fill("input[name=password]", web_world.alice.password)
    page.click("form#signin button[type=submit]")
    page.wait_for_url("**/projects")
    job = page.locator("tr.project").filter(has=page.locator("a", has_text="Recommended matches"))
    job.first.locator("a.name").click()
    page.click("form.review-start button[type=submit]")
    page.wait_for_selector("article.candidate")
    assert progress(page).startswith("Candidate 1 of")
    assert page.locator("table.group-table tr.group").count() >= 1
    assert page.locator("table.group-table tr.group.current").count() == 1
    assert "skill group" in page.inner_text("p.why")
    assert page.locator("article.candidate .skill").count() >= 1
    first = page.get_attribute("article.candidate", "data-member")
    group = page.get_attribute("article.candidate", "data-group")

    page.click("form.verdicts button.good_fit")
    page.wait_for_function("document.querySelector('p.progress').dataset.step === '2'")
    assert page.get_attribute("article.candidate", "data-member") != first
    assert "1 good fits" in progress(page)
    row = page.locator(f"table.group-table tr.group[data-group='{group}']")
    assert row.locator("td").nth(2).inner_text() == "1"  # the group's good fits

    page.click("form.verdicts button.not_fit")
    page.wait_for_function("document.querySelector('p.progress').dataset.step === '3'")
    page.click("form.verdicts button.skip")
    page.wait_for_function("document.querySelector('p.progress').dataset.step === '4'")
    text = progress(page)
    assert "1 good fits, 1 not a fit, 1 skipped" in text and "50% good so far" in text

    page.reload()  # a reload shows the same candidate: nobody is skipped
    assert progress(page).startswith("Candidate 4 of")
    path = tmp_path / "review.png"
    screenshot(page, path)
    if REFRESH_SCREENSHOTS:
        COMMITTED_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, COMMITTED_SCREENSHOTS / "review.png")
