"""Given West Norfolk moderated to a final rating (assessors 2,2,2,1,2 and 2,2,2,3,2; agreed
2,2,2,2,2), a moderator opens the cycle's insight page and the CCG's audit page, filters the
audit without JavaScript's help, and both pages have no WCAG 2.2 AA violations."""

import pytest
from playwright.sync_api import expect

from assessment import moderation, workflow
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def rated(assessed, roles):
    submission = assessed.submission
    mod = moderation.open_moderation(submission, actor=roles.moderator)
    for domain in submission.cycle.domains.order_by("code"):
        moderation.set_agreed_score(
            mod, domain, score=2, reason="Partnership work is good.", actor=roles.moderator
        )
    moderation.apply_moderation_action(
        mod, workflow.ModerationAction.PROPOSE, actor=roles.moderator
    )
    moderation.apply_moderation_action(
        mod, workflow.ModerationAction.CONFIRM, actor=assessed.moderator2
    )
    return assessed


@pytest.mark.parametrize("javascript", [True, False])
def test_a_moderator_reads_insight_and_audit(new_page, axe, live_server, rated, roles, javascript):
    submission = rated.submission
    page = new_page(java_script_enabled=javascript)
    sign_in(page, live_server, roles.moderator.email)

    page.goto(f"{live_server.url}/insight/{submission.cycle.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Insight: {submission.cycle.label}")
    expect(page.get_by_text("1 means perfect agreement")).to_be_visible()
    domains = page.get_by_role("table", name="Agreement by domain, from 1 CCG")
    expect(domains.get_by_role("row", name="D: Feedback and evaluation")).to_contain_text("0.00")
    assessors = page.get_by_role("table", name="Assessors' scores against the moderated scores")
    expect(assessors.get_by_role("row", name=rated.first.full_name)).to_contain_text("More severe")
    expect(assessors.get_by_role("row", name=rated.second.full_name)).to_contain_text(
        "More lenient"
    )
    expect(page.locator("figure svg[role=img]")).to_have_count(2)
    if javascript:
        assert_accessible(axe, page, "insight")

    page.goto(f"{live_server.url}/audit/{submission.cycle.slug}/{submission.ccg.ods_code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(submission.ccg.name)
    events = page.get_by_role("table")
    expect(events).to_contain_text("Final rating 10 Green (bands version 1)")
    expect(events).to_contain_text("Domain D: not scored")
    if javascript:
        assert_accessible(axe, page, "audit")

    page.get_by_label("Final rating").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(f"{page.url.split('?')[0]}?kind=rating")
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_role("checkbox", name="Final rating")).to_be_checked()
    csv_link = page.get_by_role("link", name="Download these events as a CSV file")
    expect(csv_link).to_have_attribute("href", "?kind=rating&format=csv")
    if javascript:
        assert_accessible(axe, page, "audit-filtered")
