"""Given a submitted CCG assigned to two assessors,
when each scores every domain independently and submits,
then the second cannot see the first's scores until they have submitted their own, both
assessments end submitted, and every page visited has no WCAG 2.2 AA violations."""

import re

import pytest
from playwright.sync_api import expect

from assessment.models import Assessment
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser

FIRST = (2, 2, 2, 1, 2)  # West Norfolk 2018/19: 9, Amber
SECOND = (3, 2, 2, 2, 2)


def score_every_domain(page, live_server, overview, scores, check_a11y):
    for code, score in zip("ABCDE", scores, strict=True):
        page.goto(overview)
        page.get_by_role("link", name=re.compile(f"^Domain {code}")).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"Domain {code}")
        for radio_group in page.locator("fieldset:has(legend:text-matches('Is .* met'))").all():
            radio_group.get_by_label("Met", exact=True).check()
        page.get_by_label(re.compile(f"^{score}: ")).check()
        page.get_by_label("Rationale for the score").fill(f"Domain {code}: evidence shows {score}.")
        if check_a11y and code == "A":
            assert_accessible(axe_holder["axe"], page, "assessment-domain")
        page.get_by_role("button", name="Save as draft").click()
        expect(page.locator(".nhsuk-notification-banner")).to_contain_text(f"Domain {code} saved")


axe_holder = {}


def test_two_assessors_score_independently_and_submit(new_page, axe, live_server, assigned):
    axe_holder["axe"] = axe
    submission = assigned.submission
    overview = f"{live_server.url}/assessments/{submission.cycle.slug}/{submission.ccg.ods_code}/"

    first = new_page()
    sign_in(first, live_server, assigned.first.email)
    first.get_by_role("link", name="Assessments", exact=True).click()
    expect(first.get_by_role("heading", level=1)).to_have_text("Your assessments")
    assert_accessible(axe, first, "assessor-queue")
    score_every_domain(first, live_server, overview, FIRST, check_a11y=True)
    first.goto(overview)
    assert_accessible(axe, first, "assessment-overview")
    first.get_by_role("button", name="Submit assessment").click()
    expect(first.locator(".nhsuk-notification-banner")).to_contain_text("Assessment submitted")

    second = new_page()
    sign_in(second, live_server, assigned.second.email)
    second.goto(overview)
    expect(second.get_by_text("once you have submitted yours")).to_be_visible()
    expect(second.get_by_text(assigned.first.full_name)).to_have_count(0)
    for code in "ABCDE":
        second.goto(f"{overview}domain/{code}/")
        expect(second.get_by_text(f"Domain {code}: evidence shows")).to_have_count(0)
    score_every_domain(second, live_server, overview, SECOND, check_a11y=False)
    second.goto(overview)
    second.get_by_role("button", name="Submit assessment").click()
    expect(
        second.get_by_role("table", name=re.compile(f"Scores of {assigned.first.full_name}"))
    ).to_be_visible()
    assert_accessible(axe, second, "assessment-overview-after-submit")

    statuses = sorted(
        Assessment.objects.filter(submission=submission).values_list("status", flat=True)
    )
    assert statuses == ["submitted", "submitted"]
