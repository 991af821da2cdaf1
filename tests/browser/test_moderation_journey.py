"""Given two assessors who differ by 2 on domain D,
when a moderator sets agreed scores (with a reason where they differ) and proposes the rating,
and a second moderator confirms it,
then the CCG shows its final rating, and changing it fails in the page, in the admin and at
the database; every page visited has no WCAG 2.2 AA violations."""

import pytest
from django.db import IntegrityError, connection, transaction
from playwright.sync_api import expect

from assessment.models import Rating
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_moderation_to_a_final_rating_that_cannot_change(
    new_page, axe, live_server, assessed, roles
):
    submission = assessed.submission
    queue = f"{live_server.url}/moderation/{submission.cycle.slug}/"

    first = new_page()
    sign_in(first, live_server, roles.moderator.email)
    first.goto(queue)
    row = first.get_by_role("row", name="NHS West Norfolk CCG")
    expect(row).to_contain_text("Domain D")
    expect(row).to_contain_text("differ by 2")
    assert_accessible(axe, first, "moderation-queue")
    row.get_by_role("link").click()
    expect(first.get_by_role("heading", level=1)).to_have_text("NHS West Norfolk CCG")
    assert_accessible(axe, first, "moderation-page")
    for code in "ABCDE":
        first.get_by_role("group", name=f"Agreed score for domain {code}").get_by_label(
            "2: Good"
        ).check()
    first.get_by_label("Reason for domain D").fill("Partnership work is good but not outstanding.")
    first.get_by_role("button", name="Save agreed scores").click()
    expect(first.locator(".nhsuk-notification-banner")).to_contain_text("Agreed scores saved")
    expect(first.get_by_text("10 is Green")).to_be_visible()
    first.get_by_role("button", name="Propose this rating").click()
    expect(first.locator(".nhsuk-notification-banner")).to_contain_text("Rating proposed")
    expect(first.get_by_role("button", name="Confirm final rating")).to_have_count(0)

    second = new_page()
    sign_in(second, live_server, assessed.moderator2.email)
    second.goto(first.url)
    assert_accessible(axe, second, "moderation-confirm")
    second.get_by_role("button", name="Confirm final rating").click()
    expect(second.locator(".nhsuk-panel__title")).to_have_text("Final rating: 10 Green")
    assert_accessible(axe, second, "moderation-final")

    # The page offers no way to change it, and a forged post changes nothing.
    expect(second.get_by_role("button", name="Save agreed scores")).to_have_count(0)
    forged = second.request.post(
        second.url,
        form={"action": "propose", "csrfmiddlewaretoken": second.locator(
            "input[name=csrfmiddlewaretoken]").first.input_value()},
    )  # fmt: skip
    assert forged.ok
    second.goto(queue)
    expect(second.get_by_role("row", name="NHS West Norfolk CCG")).to_contain_text(
        "Final: 10 Green"
    )

    # The Django admin shows it read-only.
    admin = roles.admin
    admin.is_staff = admin.is_superuser = True
    admin.save()
    rating = Rating.objects.get()
    staff = new_page()
    sign_in(staff, live_server, admin.email)
    staff.goto(f"{live_server.url}/django-admin/assessment/rating/{rating.pk}/change/")
    expect(staff.get_by_role("button", name="Save")).to_have_count(0)

    # And the database refuses.
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE assessment_rating SET total = 15")
    assert Rating.objects.get().total == 10
