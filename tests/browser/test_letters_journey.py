"""Given West Norfolk's engagement lead submits its evidence, two assessors score it (differing
by 2 on domain D) and two moderators finalise its rating (Halton is already rated),
when the national admin renders the letters (a real Celery worker renders them), watches the
run until it has finished, releases the letters now, looks at the outbox and one e-mail and
sends the e-mails,
then West Norfolk's accountable officer downloads a PDF letter with the CCG's name, its
scores table and band, and Halton's accountable officer gets 404 for that download; every
letters page visited has no WCAG 2.2 AA violations.

Parts of steps 1 and 2 are built through the services, not the browser, to keep the test
short (test_evidence_journey and test_assessment_journey drive those pages, in about a
minute each): the lead's links and narratives are added with ``evidence.services`` (the lead
then checks the answers and submits in the browser), and both assessors' scores are
saved and submitted with ``assessment.services`` by the ``assessed`` fixture. Halton's final
rating, which only gives the second officer a letter of their own, is written with
``assessment.moderation.record_rating``. Step 3 (a moderator's proposal and the second
moderator's confirmation) and everything after it go through the browser.
"""

import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from assessment.moderation import record_rating
from evidence import services as evidence
from evidence.models import Submission
from letters.models import Document, Download, OutboxMessage
from tests.browser.conftest import assert_accessible, sign_in
from tests.integration import conftest as integration
from tests.integration.conftest import wait_for
from tests.integration.test_letters import AMBER_OFFER_2019, pdf_text

pytestmark = pytest.mark.browser

worker = integration.worker  # a real Celery worker on the real Redis broker

AGREED = (2, 2, 2, 1, 2)  # West Norfolk: 9, Amber
HALTON = (3, 3, 3, 2, 2)  # 13, Green
FINISHED = "This run has finished."


@pytest.fixture
def submission(submission, roles):
    """Step 1's content, through ``evidence.services``: the lead adds a link to the first
    criterion and writes the narrative of each domain (the draft is submitted in the test)."""
    for domain in submission.cycle.domains.order_by("code"):
        evidence.add_link(
            submission, domain.criteria.order_by("position").first(),
            url=f"https://www.example.org/{domain.code}",
            description=f"Board paper for domain {domain.code}", actor=roles.lead,
        )  # fmt: skip
        evidence.save_narrative(
            submission, domain, f"In domain {domain.code} we involved local people.",
            actor=roles.lead, expected_version=0,
        )  # fmt: skip
    return submission


@pytest.fixture
def halton_rated(other_submission, roles):
    Submission.objects.filter(pk=other_submission.pk).update(
        status="submitted", submitted_at=timezone.now()
    )
    return record_rating(
        other_submission,
        dict(zip("ABCDE", HALTON, strict=True)),
        proposed_by=roles.moderator,
        confirmed_by=roles.admin,
    )


def submit_evidence(new_page, live_server, submission, lead):
    """Step 1: the lead checks the answers and submits."""
    page = new_page()
    sign_in(page, live_server, lead.email)
    page.goto(live_server.url + submission.get_absolute_url())
    page.get_by_role("button", name="Check your answers").click()
    expect(page.get_by_text("In domain E we involved local people.")).to_be_visible()
    page.get_by_role("button", name="Submit evidence").click()
    expect(page.locator(".nhsuk-panel__title")).to_have_text("Evidence submitted")


def finalise_rating(new_page, live_server, submission, first, second, scores):
    """Step 3: one moderator agrees the scores and proposes the rating, another confirms it."""
    moderate = live_server.url + reverse(
        "moderation:moderate", args=[submission.cycle.slug, submission.ccg.ods_code]
    )
    page = new_page()
    sign_in(page, live_server, first.email)
    page.goto(moderate)
    for code, score in zip("ABCDE", scores, strict=True):
        page.get_by_role("group", name=f"Agreed score for domain {code}").get_by_label(
            re.compile(f"^{score}: ")
        ).check()
    page.get_by_label("Reason for domain D").fill("Partnership work is not yet good.")
    page.get_by_role("button", name="Save agreed scores").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Agreed scores saved")
    page.get_by_role("button", name="Propose this rating").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Rating proposed")

    page = new_page()
    sign_in(page, live_server, second.email)
    page.goto(moderate)
    page.get_by_role("button", name="Confirm final rating").click()
    expect(page.locator(".nhsuk-panel__title")).to_have_text(f"Final rating: {sum(scores)} Amber")


@pytest.mark.usefixtures("worker", "halton_rated")
def test_letters_from_evidence_to_the_officers_download(
    request, new_page, axe, live_server, submission, roles
):
    cycle = submission.cycle
    submit_evidence(new_page, live_server, submission, roles.lead)
    submission.refresh_from_db()  # ``assigned`` saves this very object
    assert (submission.status, submission.submitted_by) == ("submitted", roles.lead)
    assessed = request.getfixturevalue("assessed")  # step 2, after the submission
    finalise_rating(new_page, live_server, submission, roles.moderator, assessed.moderator2, AGREED)

    # Step 4: the national admin renders every rated CCG's letter and summary.
    admin = new_page()
    sign_in(admin, live_server, roles.admin.email)
    admin.goto(live_server.url + reverse("letters:cycle", args=[cycle.slug]))
    expect(admin.get_by_role("heading", level=1)).to_have_text(f"Outcome letters: {cycle.label}")
    row = admin.get_by_role("row", name=re.compile("NHS West Norfolk CCG"))
    expect(row).to_contain_text("9 Amber")
    expect(row).to_contain_text("None")
    assert_accessible(axe, admin, "letters-cycle")
    admin.get_by_role("button", name="Render all 2 CCGs").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Render run \d+$"))
    expect(admin.locator("[data-progress-hint]")).to_have_text(FINISHED, timeout=60_000)
    expect(admin.locator("[data-progress-text]")).to_contain_text(
        "4 rendered (of which 0 unchanged), 0 failed, 0 remaining, of 4"
    )
    admin.reload()  # the page as the server draws a finished run
    expect(admin.locator("[data-progress-hint]")).to_have_text(FINISHED)
    assert_accessible(axe, admin, "letters-run")

    admin.get_by_role("link", name=f"Back to the letters of {cycle.label}").click()
    row = admin.get_by_role("row", name=re.compile("NHS West Norfolk CCG"))
    expect(row.get_by_role("link", name=re.compile("^Version 1"))).to_have_count(2)
    assert_accessible(axe, admin, "letters-cycle-rendered")
    admin.get_by_role("link", name="Edit the wording and preview a letter").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Letter wording")
    assert_accessible(axe, admin, "letters-wording")

    # Step 5: released now, the e-mails wait in the outbox.
    admin.goto(live_server.url + reverse("letters:release", args=[cycle.slug]))
    expect(admin.get_by_role("heading", level=1)).to_have_text("Release the letters")
    assert_accessible(axe, admin, "letters-release")
    now = timezone.localtime()
    admin.get_by_label("Day").fill(str(now.day))
    admin.get_by_label("Month").fill(str(now.month))
    admin.get_by_label("Year").fill(str(now.year))
    admin.get_by_label("Release time").fill(f"{now:%H:%M}")
    admin.get_by_role("button", name="Set the release").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Outbox")
    expect(admin.locator(".nhsuk-notification-banner")).to_contain_text(
        "2 e-mails are in the outbox"
    )
    expect(admin.get_by_role("row", name=re.compile(roles.officer.email))).to_contain_text(
        "Waiting"
    )
    assert_accessible(axe, admin, "letters-outbox")
    admin.get_by_role("link", name=re.compile(f"^{re.escape(roles.officer.email)}")).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(
        f"E-mail to {roles.officer.full_name}"
    )
    expect(admin.get_by_role("link", name=f"07J-{cycle.slug}-letter-v1.pdf")).to_be_visible()
    assert_accessible(axe, admin, "letters-message")

    admin.get_by_role("link", name="Outbox", exact=True).click()
    admin.get_by_role("button", name="Send waiting e-mails now").click()
    expect(admin.locator(".nhsuk-notification-banner")).to_contain_text("2 e-mails queued")
    messages = OutboxMessage.objects.filter(document__submission__cycle=cycle)
    assert wait_for(lambda: messages.filter(status="sent").count() == 2)
    admin.reload()
    expect(admin.get_by_text("2 sent, 0 waiting")).to_be_visible()
    (email,) = [m for m in mail.outbox if m.subject.endswith("outcome for NHS West Norfolk CCG")]
    assert email.to == [roles.officer.email]
    assert email.attachments[0][0] == f"07J-{cycle.slug}-letter-v1.pdf"

    # Step 6: West Norfolk's accountable officer downloads the letter.
    officer = new_page()
    sign_in(officer, live_server, roles.officer.email)
    officer.goto(live_server.url + reverse("letters:home"))
    expect(officer.get_by_role("heading", level=1)).to_have_text("Outcome letters")
    link = officer.get_by_role("link", name=re.compile("^Download the outcome letter"))
    expect(link).to_have_count(1)
    expect(officer.get_by_role("main")).not_to_contain_text("NHS Halton CCG")
    assert_accessible(axe, officer, "letters-officer-home")
    with officer.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"07J-{cycle.slug}-letter-v1.pdf"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "NHS West Norfolk CCG" in text
    assert re.search(
        r"Domain A Domain B Domain C Domain D Domain E Final Score Final RAGG\* "
        r"2 2 2 1 2 9 AMBER", text
    )  # fmt: skip
    assert AMBER_OFFER_2019 in text  # the band's own wording
    letter = Document.objects.get(submission=submission, kind="letter")
    assert Download.objects.filter(document=letter, user=roles.officer).count() == 1

    # Step 7: Halton's accountable officer may not have it.
    other = new_page()
    sign_in(other, live_server, roles.other_officer.email)
    download_url = reverse("letters:download", args=[letter.pk])
    assert link.get_attribute("href") == download_url  # the officer's link, refused to Halton
    response = other.goto(live_server.url + download_url)
    assert response.status == 404
    expect(other.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert not Download.objects.filter(user=roles.other_officer).exists()
