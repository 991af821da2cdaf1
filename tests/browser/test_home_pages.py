"""Given a user of each role, when they sign in in a real browser, then they see their home page,
and it has no WCAG 2.2 AA violations."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser

HOME_TEXT = {
    "lead": "Evidence to submit",
    "officer": "Your CCGs",
    "assessor": "Your assessments",
    "moderator": "Moderation",
    "admin": "National administration",
    "nobody": "Your account does not have a role yet",
}


@pytest.mark.parametrize("role", list(HOME_TEXT))
def test_each_role_signs_in_to_an_accessible_home_page(page, axe, live_server, roles, cycle, role):
    user = getattr(roles, role)

    sign_in(page, live_server, user.email)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    expect(page.get_by_text(HOME_TEXT[role]).first).to_be_visible()
    assert_accessible(axe, page, f"home-{role}")


def test_sign_in_page_with_an_error_is_accessible(page, axe, live_server, roles):
    sign_in(page, live_server, roles.lead.email, password="not-the-password")

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter a correct email address and password.")
    assert_accessible(axe, page, "sign-in-error")


def test_admin_pages_are_accessible(page, axe, live_server, roles, cycle, ccg):
    sign_in(page, live_server, roles.admin.email)

    page.get_by_role("link", name="CCG register").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CCG register")
    assert_accessible(axe, page, "register")

    page.get_by_role("link", name=ccg.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ccg.name)
    assert_accessible(axe, page, "ccg-detail")

    page.goto(live_server.url + cycle.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Cycle 2019/20")
    assert_accessible(axe, page, "cycle-detail")


def test_sign_out_works_without_javascript(new_page, live_server, roles):
    page = new_page(java_script_enabled=False)
    sign_in(page, live_server, roles.moderator.email)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")


def test_submissions_dashboard_is_accessible(
    page, axe, live_server, roles, submission, other_submission
):
    from evidence import workflow
    from evidence.models import DomainNarrative
    from evidence.services import apply_action, grant_extension

    for domain in other_submission.cycle.domains.all():
        DomainNarrative.objects.create(
            submission=other_submission, domain=domain, text="Done.", updated_by=roles.other_lead
        )
    apply_action(other_submission, workflow.Action.SUBMIT, actor=roles.other_lead)
    grant_extension(
        submission,
        until=submission.cycle.submission_deadline + __import__("datetime").timedelta(days=7),
        reason="Board meeting moved",
        actor=roles.admin,
    )

    sign_in(page, live_server, roles.admin.email)
    page.get_by_role("link", name="Submissions", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Submissions: 2019/20")
    expect(page.locator("figure svg[role=img]")).to_be_visible()
    assert_accessible(axe, page, "submissions-dashboard")
