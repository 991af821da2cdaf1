"""Given a CCG engagement lead with an open submission,
when they add a file and a link to a criterion of each domain, write the narratives,
check their answers and submit,
then the accountable officer sees it read-only and the lead of another CCG gets 404 for
its pages and files; every page visited has no WCAG 2.2 AA violations."""

import re

import pytest
from playwright.sync_api import expect

from evidence.models import EvidenceFile
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_lead_submits_evidence_officer_reads_other_lead_is_refused(
    page, new_page, axe, live_server, roles, submission, sample_files
):
    files = sample_files
    overview = live_server.url + submission.get_absolute_url()

    sign_in(page, live_server, roles.lead.email)
    page.get_by_role("link", name=re.compile("NHS West Norfolk CCG: evidence")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("NHS West Norfolk CCG")
    assert_accessible(axe, page, "evidence-overview")

    for number, code in enumerate("ABCDE"):
        page.goto(overview)
        page.get_by_role("link", name=re.compile(f"^Domain {code}:")).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"Domain {code}")
        if code == "A":
            assert_accessible(axe, page, "evidence-domain")

        page.get_by_role("link", name=f"Upload a file for {code}1").click()
        if code == "A":
            page.get_by_role("button", name="Upload file").click()  # nothing chosen: an error
            expect(page.locator(".nhsuk-error-summary")).to_contain_text("Select a file to upload")
            assert_accessible(axe, page, "evidence-file-error")
        # NHS.UK file upload (with JavaScript) puts a drop zone in front of the input.
        page.locator("input[type=file][name=file]").set_input_files(
            str(files["pdf" if number % 2 else "docx"])
        )
        page.get_by_label("Describe this evidence").fill(f"Board paper for domain {code}")
        page.get_by_role("button", name="Upload file").click()
        expect(page.locator(".nhsuk-notification-banner")).to_contain_text(f"added to {code}1")
        if code == "A":
            assert_accessible(axe, page, "evidence-domain-with-file")

        page.get_by_role("link", name=f"Add a link for {code}1").click()
        page.get_by_label("Web address of the page").fill(f"https://www.example.org/{code}")
        page.get_by_label("Describe this evidence").fill(f"Web page for domain {code}")
        if code == "A":
            assert_accessible(axe, page, "evidence-link-form")
        page.get_by_role("button", name="Add link").click()
        expect(page.locator(".nhsuk-notification-banner")).to_contain_text(f"Link added to {code}1")

        page.get_by_role("link", name=f"Write the narrative for domain {code}").click()
        page.get_by_label("What did you do").fill(f"In domain {code} we involved local people.")
        if code == "A":
            assert_accessible(axe, page, "evidence-narrative-form")
        page.get_by_role("button", name="Save narrative").click()
        expect(page.locator(".nhsuk-notification-banner")).to_contain_text("saved")

    page.goto(overview)
    page.get_by_role("button", name="Check your answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting"
    )
    assert_accessible(axe, page, "evidence-check-answers")
    page.get_by_role("button", name="Submit evidence").click()
    expect(page.locator(".nhsuk-panel__title")).to_have_text("Evidence submitted")
    assert_accessible(axe, page, "evidence-submitted")

    # The accountable officer reads it and cannot change it.
    officer = new_page()
    sign_in(officer, live_server, roles.officer.email)
    officer.goto(overview)
    expect(officer.locator("strong.nhsuk-tag", has_text="Submitted")).to_be_visible()
    officer.get_by_role("link", name=re.compile("^Domain A:")).click()
    expect(officer.get_by_text("In domain A we involved local people.")).to_be_visible()
    expect(officer.get_by_role("link", name=re.compile("Upload a file"))).to_have_count(0)
    assert_accessible(axe, officer, "evidence-officer-domain")

    # The lead of another CCG gets "Page not found" for its pages and its files.
    other = new_page()
    sign_in(other, live_server, roles.other_lead.email)
    stored = EvidenceFile.objects.filter(item__submission=submission).first()
    for path in (
        submission.get_absolute_url(),
        submission.get_absolute_url() + "domain/A/",
        submission.get_absolute_url() + f"files/{stored.pk}/",
    ):
        response = other.goto(live_server.url + path)
        assert response.status == 404, path
    expect(other.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(axe, other, "not-found")
