"""Given good practice flagged in West Norfolk's two submitted assessments (domain C approved
and the cycle released, domain E waiting), a lead searches the library with and without
JavaScript and a moderator approves the waiting example from the review page; both pages
have no WCAG 2.2 AA violations."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessment.models import DomainScore
from library import services
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def flag(submission, assessor, code, text):
    DomainScore.objects.filter(
        assessment__submission=submission, assessment__assessor=assessor, domain__code=code
    ).update(good_practice=text)


@pytest.fixture
def library(assessed, roles):
    submission = assessed.submission
    flag(submission, assessed.first, "C", "A residents' engagement panel meets every month.")
    proposal = services.proposals_for(submission.cycle).get()
    services.approve_example(
        proposal, title="Monthly engagement panel",
        summary="A residents' engagement panel meets every month.", actor=roles.moderator,
    )  # fmt: skip
    flag(submission, assessed.second, "E", "Leaflets in the five most spoken languages.")
    cycle = submission.cycle
    cycle.released_at = timezone.now() - timezone.timedelta(minutes=1)
    cycle.save()
    return assessed


@pytest.mark.parametrize("javascript", [True, False])
def test_a_lead_searches_the_library(new_page, axe, live_server, library, roles, javascript):
    page = new_page(java_script_enabled=javascript)
    sign_in(page, live_server, roles.lead.email)

    page.goto(f"{live_server.url}/good-practice/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Good-practice library")
    page.get_by_label("Search the examples").fill("engaging")
    page.get_by_label("Domain").select_option("C")
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", name="1 example found")).to_be_visible()
    result = page.get_by_role("link", name="Monthly engagement panel")
    expect(result).to_be_visible()
    expect(page.get_by_text("A CCG in")).to_be_visible()
    expect(page.get_by_text("West Norfolk")).to_have_count(0)
    expect(page.get_by_label("Search the examples")).to_have_value("engaging")
    if javascript:
        assert_accessible(axe, page, "library-search")

    result.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Monthly engagement panel")
    if javascript:
        assert_accessible(axe, page, "library-example")


@pytest.mark.parametrize("javascript", [True, False])
def test_a_moderator_approves_from_the_review_page(
    new_page, axe, live_server, library, roles, javascript
):
    cycle = library.submission.cycle
    page = new_page(java_script_enabled=javascript)
    sign_in(page, live_server, roles.moderator.email)

    page.goto(f"{live_server.url}/good-practice/{cycle.slug}/review/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Good practice to review: {cycle.label}"
    )
    proposal = page.get_by_role("region", name="NHS West Norfolk CCG, domain E")
    expect(proposal).to_contain_text("Leaflets in the five most spoken languages.")
    if javascript:
        assert_accessible(axe, page, "library-review")

    proposal.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="Give the example a title")).to_be_visible()
    if javascript:
        assert_accessible(axe, page, "library-review-error")

    proposal = page.get_by_role("region", name="NHS West Norfolk CCG, domain E")
    proposal.get_by_label("Title").fill("Leaflets in five languages")
    proposal.get_by_role("button", name="Approve and publish").click()
    expect(
        page.get_by_text("Published in the library: Leaflets in five languages.")
    ).to_be_visible()
    expect(page.get_by_text("There is no good practice waiting for review")).to_be_visible()
