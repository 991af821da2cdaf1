"""Evidence submission through the pages, as a lead would do it, and its rules."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from evidence import services
from evidence.models import DomainNarrative, EvidenceItem, Submission, SubmissionEvent

pytestmark = pytest.mark.django_db


def urls(submission, **kwargs):
    base = {"cycle": submission.cycle.slug, "ods_code": submission.ccg.ods_code}
    return lambda name, **extra: reverse(f"evidence:{name}", kwargs={**base, **extra})


@pytest.fixture
def lead_client(client, roles):
    client.force_login(roles.lead)
    return client


@pytest.fixture
def files(sample_files):
    return sample_files


def add_file(client, submission, criterion, path, description="Evidence file"):
    url = urls(submission)("add_file", criterion=criterion)
    with open(path, "rb") as handle:
        return client.post(url, {"file": handle, "description": description})


def write_all_narratives(client, submission):
    url = urls(submission)
    for code in "ABCDE":
        response = client.post(
            url("narrative", domain=code), {"text": f"What we did in {code}.", "version": 0}
        )
        assert response.status_code == 302


def test_a_lead_adds_a_link_a_file_and_a_narrative(lead_client, submission, files):
    url = urls(submission)
    response = lead_client.post(
        url("add_link", criterion="A1"),
        {"url": "https://www.example.org/governance", "description": "Constitution"},
    )
    assert response.status_code == 302
    assert add_file(lead_client, submission, "A2", files["pdf"]).status_code == 302
    lead_client.post(url("narrative", domain="A"), {"text": "We involved people.", "version": 0})

    page = lead_client.get(url("domain", domain="A")).content.decode()
    assert "Constitution" in page
    assert "https://www.example.org/governance" in page
    assert "Evidence file" in page
    assert "We involved people." in page
    kinds = sorted(EvidenceItem.objects.values_list("kind", flat=True))
    assert kinds == ["file", "link"]


def test_the_fourth_item_for_a_criterion_is_refused_and_nothing_is_lost(lead_client, submission):
    url = urls(submission)
    for n in range(3):
        lead_client.post(
            url("add_link", criterion="B1"),
            {"url": f"https://example.org/{n}", "description": f"Page {n}"},
        )
    response = lead_client.post(
        url("add_link", criterion="B1"), {"url": "https://example.org/4", "description": "Four"}
    )
    assert response.status_code == 200
    assert "already has 3 pieces of evidence" in response.content.decode()
    assert EvidenceItem.objects.filter(submission=submission).count() == 3


@pytest.mark.parametrize(
    "bad_url", ["javascript:alert(1)", "ftp://example.org/file", "file:///etc/passwd", "not a url"]
)
def test_only_http_and_https_links_are_accepted(lead_client, submission, bad_url):
    response = lead_client.post(
        urls(submission)("add_link", criterion="A1"), {"url": bad_url, "description": "x"}
    )
    assert response.status_code == 200
    assert "Enter a web address that starts with https://" in response.content.decode()
    assert not EvidenceItem.objects.exists()


def test_a_form_error_keeps_what_was_typed_and_what_was_saved(lead_client, submission):
    url = urls(submission)
    lead_client.post(url("narrative", domain="A"), {"text": "Saved before.", "version": 0})
    response = lead_client.post(
        url("add_link", criterion="A1"), {"url": "https://example.org/kept", "description": ""}
    )
    page = response.content.decode()
    assert "Describe this evidence" in page
    assert "https://example.org/kept" in page  # what they typed is still in the form
    assert DomainNarrative.objects.get().text == "Saved before."


def test_two_people_editing_a_narrative_the_second_is_told_and_shown_the_newer(
    client, roles, submission
):
    from accounts.models import CCGRole

    second_lead = CCGRole.objects.create(
        user=type(roles.lead).objects.create_user(
            "second@example.com", "x", full_name="Sam Second"
        ),
        ccg=submission.ccg,
        role=CCGRole.Role.LEAD,
    ).user
    url = urls(submission)("narrative", domain="C")
    client.force_login(roles.lead)
    client.post(url, {"text": "First version.", "version": 0})
    # Both open the form at version 1.
    client.post(url, {"text": "Jo's change.", "version": 1})
    client.force_login(second_lead)
    response = client.post(url, {"text": "Sam's change.", "version": 1})

    page = response.content.decode()
    assert response.status_code == 200
    assert "saved a newer version of this narrative" in page
    assert "Jo&#x27;s change." in page  # the newer text is shown
    assert "Sam&#x27;s change." in page  # and theirs is kept in the box
    assert DomainNarrative.objects.get().text == "Jo's change."

    # Saving again, having seen it, is a deliberate overwrite.
    version = DomainNarrative.objects.get().version
    client.post(url, {"text": "Sam's change.", "version": version})
    assert DomainNarrative.objects.get().text == "Sam's change."


def test_replacing_a_file_keeps_the_previous_revision(lead_client, submission, files):
    add_file(lead_client, submission, "A1", files["pdf"])
    item = EvidenceItem.objects.get()
    with open(files["docx"], "rb") as handle:
        response = lead_client.post(
            urls(submission)("replace_file", item=item.pk), {"file": handle}
        )
    assert response.status_code == 302
    revisions = list(item.revisions.order_by("revision").values_list("revision", "content_type"))
    assert revisions[0] == (1, "application/pdf")
    assert revisions[1][0] == 2
    page = lead_client.get(urls(submission)("domain", domain="A")).content.decode()
    assert "Earlier versions of this file" in page


def test_removing_evidence_keeps_it_in_the_history(lead_client, submission):
    url = urls(submission)
    lead_client.post(
        url("add_link", criterion="A1"), {"url": "https://example.org/x", "description": "Gone"}
    )
    item = EvidenceItem.objects.get()
    lead_client.post(url("remove_item", item=item.pk))
    item.refresh_from_db()
    assert item.removed_at is not None
    assert "Gone" not in lead_client.get(url("domain", domain="A")).content.decode()
    assert SubmissionEvent.objects.filter(kind="evidence_removed").count() == 1


def test_the_same_file_twice_in_a_submission_is_flagged(lead_client, submission, files):
    add_file(lead_client, submission, "A1", files["pdf"])
    add_file(lead_client, submission, "B1", files["pdf"])
    page = lead_client.get(urls(submission)("domain", domain="B")).content.decode()
    assert "Same file" in page
    assert "also uploaded for A1" in page


def test_download_is_an_attachment_with_the_stored_type_and_nosniff(lead_client, submission, files):
    add_file(lead_client, submission, "A1", files["pdf"])
    stored = EvidenceItem.objects.get().revisions.get()
    response = lead_client.get(urls(submission)("download", file=stored.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == files["pdf"].read_bytes()


def test_submitting_needs_every_narrative(lead_client, submission):
    response = lead_client.post(urls(submission)("check"), follow=True)
    assert "Write the narrative for domain A" in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == "draft"


def test_submitting_locks_the_submission_once(
    lead_client, submission, django_capture_on_commit_callbacks
):
    write_all_narratives(lead_client, submission)
    with django_capture_on_commit_callbacks() as callbacks:
        response = lead_client.post(urls(submission)("check"))
    assert response["Location"] == urls(submission)("submitted")
    assert len(callbacks) == 1  # the receipt is queued once, after commit
    submission.refresh_from_db()
    assert submission.status == "submitted"

    again = lead_client.post(urls(submission)("check"), follow=True)
    assert "already been submitted" in again.content.decode()
    assert SubmissionEvent.objects.filter(kind="submitted").count() == 1

    locked = lead_client.get(urls(submission)("add_link", criterion="A1"), follow=True)
    assert "has been submitted and can no longer be changed" in locked.content.decode()


def test_after_the_deadline_a_draft_is_locked_until_an_extension(client, roles, submission):
    cycle = submission.cycle
    cycle.submission_deadline = timezone.localdate() - timedelta(days=1)
    cycle.submission_opens = cycle.submission_deadline - timedelta(days=30)
    cycle.save()
    client.force_login(roles.lead)
    url = urls(submission)("add_link", criterion="A1")
    assert "The deadline" in client.get(url, follow=True).content.decode()
    with pytest.raises(services.SubmissionError, match="deadline"):
        services.add_link(
            submission, cycle.domains.get(code="A").criteria.first(),
            url="https://example.org", description="late", actor=roles.lead,
        )  # fmt: skip

    client.force_login(roles.admin)
    until = timezone.localdate() + timedelta(days=7)
    response = client.post(
        urls(submission)("extension"),
        {"until_day": until.day, "until_month": until.month, "until_year": until.year,
         "reason": "Board meeting moved"},
    )  # fmt: skip
    assert response.status_code == 302
    client.force_login(roles.lead)
    assert client.get(url).status_code == 200


def test_an_extension_must_end_after_the_deadline(client, roles, submission):
    client.force_login(roles.admin)
    deadline = submission.cycle.submission_deadline
    response = client.post(
        urls(submission)("extension"),
        {"until_day": deadline.day, "until_month": deadline.month,
         "until_year": deadline.year, "reason": "x"},
    )  # fmt: skip
    assert "An extension must end after the deadline" in response.content.decode()
    assert Submission.objects.get(pk=submission.pk).extension_until is None


def test_the_accountable_officer_sees_the_submission_read_only(client, roles, submission):
    url = urls(submission)
    client.force_login(roles.lead)
    client.post(url("narrative", domain="A"), {"text": "Our work.", "version": 0})
    client.force_login(roles.officer)
    page = client.get(url("domain", domain="A")).content.decode()
    assert "Our work." in page
    assert "Change the narrative" not in page
    assert "Upload a file" not in page


def test_overview_queries_do_not_grow_with_the_evidence(lead_client, submission, files):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as captured:
            lead_client.get(urls(submission)("domain", domain="A"))
        return len(captured)

    add_file(lead_client, submission, "A1", files["pdf"])
    one = count()
    for code in ("A2", "A3", "A4"):
        add_file(lead_client, submission, code, files["png"])
    assert count() == one


def test_a_stored_file_is_deleted_again_when_the_transaction_fails(lead_client, submission, files):
    from pathlib import Path

    from django.conf import settings
    from django.db import IntegrityError

    add_file(lead_client, submission, "A1", files["pdf"])
    item = EvidenceItem.objects.get()
    root = Path(settings.MEDIA_ROOT)
    before = sorted(root.rglob("*.*"))

    # A second revision 1 breaks the unique (item, revision) constraint after the file
    # has been streamed into storage: the row fails, and the file must not stay behind.
    with pytest.raises(IntegrityError), services._files_removed_on_failure() as stored:
        from django.db import transaction

        with transaction.atomic(), open(files["png"], "rb") as handle:
            from django.core.files import File

            checked = services.check_file(files["png"], "again.png")
            services._store_revision(stored, item, File(handle), checked, 1, item.created_by)

    assert sorted(root.rglob("*.*")) == before
