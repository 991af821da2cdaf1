"""Outcome letters through the services: rendering from the database, versions, release,
the outbox and downloads. PDFs are read back (poppler's pdftotext, pypdf)."""

import hashlib
import io
import re
import subprocess
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import CCGRole
from assessment.moderation import record_rating
from assessment.services import SHIPPED_FRAMEWORKS, load_cycle
from letters import services
from letters.models import Document, Download, OutboxMessage, RenderJob
from tests.factories import CCGRoleFactory

pytestmark = pytest.mark.django_db

AMBER_OFFER_2018 = "offer each CCG that has rated Amber in 2018/19 a one to one improvement"
AMBER_OFFER_2019 = "offer each CCG that has rated Amber in 2019/20 an optional one to one"


def pdf_text(data: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-", "-"],  # noqa: S607
        input=data,
        capture_output=True,
        check=True,
    )
    return re.sub(r"\s+", " ", result.stdout.decode())


def finalise(submission, scores, roles):
    return record_rating(
        submission,
        dict(zip("ABCDE", scores, strict=True)),
        proposed_by=roles.moderator,
        confirmed_by=roles.admin,
    )


def render_all(cycle, actor, **kwargs):
    run = services.start_run(cycle, actor=actor, enqueue=False, **kwargs)
    for job_id in run.jobs.values_list("pk", flat=True):
        services.render_job(job_id)
    return run


def document(submission, kind="letter"):
    return Document.objects.get(submission=submission, kind=kind, superseded_by__isnull=True)


def read(doc) -> bytes:
    with doc.file.open("rb") as handle:
        return handle.read()


@pytest.fixture
def rated(assessed, roles):
    """West Norfolk (07J) of 2019/20 final at 2,2,2,1,2 = 9 Amber."""
    finalise(assessed.submission, (2, 2, 2, 1, 2), roles)
    return assessed.submission


def test_west_norfolk_2018_19_letter_reads_back_as_the_seed_letter(roles, ccg):
    from evidence.models import Submission
    from evidence.services import open_submissions

    cycle = load_cycle(SHIPPED_FRAMEWORKS[0]).cycle
    open_submissions(cycle)
    submission = Submission.objects.get(cycle=cycle, ccg=ccg)
    Submission.objects.filter(pk=submission.pk).update(
        status="submitted", submitted_at=timezone.now()
    )
    finalise(submission, (2, 2, 2, 1, 2), roles)

    render_all(cycle, roles.admin)

    letter = document(submission)
    data = read(letter)
    text = pdf_text(data)
    assert "NHS West Norfolk CCG" in text
    assert re.search(r"Domain A Domain B Domain C Domain D Domain E Final Score Final RAGG\* "
                     r"2 2 2 1 2 9 AMBER", text)  # fmt: skip
    assert AMBER_OFFER_2018 in text
    assert "Publishing Approval Reference 000697" in text
    assert letter.sha256 == hashlib.sha256(data).hexdigest()
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title.startswith("NHS West Norfolk CCG")
    assert letter.pages == len(reader.pages) <= 2
    tags = structure_tags(root["/StructTreeRoot"])
    assert {"/Document", "/H1", "/Table", "/TH", "/TD", "/L", "/LI"} <= tags


def structure_tags(node, found=None) -> set[str]:
    """Every structure type (/P, /TH, ...) in a PDF's structure tree."""
    found = set() if found is None else found
    node = node.get_object()
    if hasattr(node, "get"):
        if node.get("/S"):
            found.add(str(node["/S"]))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if hasattr(kid, "get_object"):
                structure_tags(kid, found)
    return found


def test_halton_2019_20_letter_is_green_without_the_amber_offer(roles, other_submission):
    from evidence.models import Submission

    Submission.objects.filter(pk=other_submission.pk).update(
        status="submitted", submitted_at=timezone.now()
    )
    finalise(other_submission, (3, 3, 3, 2, 2), roles)

    render_all(other_submission.cycle, roles.admin)

    text = pdf_text(read(document(other_submission)))
    assert "NHS Halton CCG" in text
    assert re.search(r"Final RAGG\* 3 3 3 2 2 13 GREEN", text)
    assert "one to one" not in text
    assert "Engagement Practitioners Network" in text


def test_the_summary_lists_criteria_not_fully_met_and_improvement_points(rated, roles):
    from assessment.models import CriterionFinding

    finding = CriterionFinding.objects.filter(
        assessment__submission=rated, criterion__domain__code="D"
    ).first()
    CriterionFinding.objects.filter(pk=finding.pk).update(
        finding="partly_met", note="No evidence of feedback loops."
    )

    render_all(rated.cycle, roles.admin)

    text = pdf_text(read(document(rated, "summary")))
    assert "Detailed assessment summary 2019/20" in text
    assert f"{finding.criterion.code} {finding.criterion.title}"[:30] in text
    assert "Partly met" in text
    assert "No evidence of feedback loops." in text
    assert "Improve D." in text


def test_the_same_inputs_never_render_twice(rated, roles):
    render_all(rated.cycle, roles.admin)
    again = render_all(rated.cycle, roles.admin)

    assert Document.objects.filter(submission=rated).count() == 2  # a letter and a summary
    assert set(again.jobs.values_list("status", flat=True)) == {RenderJob.Status.UNCHANGED}
    assert services.render_job(again.jobs.first().pk).status == RenderJob.Status.UNCHANGED


def test_a_changed_rating_after_release_makes_version_2_and_keeps_version_1(rated, roles, client):
    render_all(rated.cycle, roles.admin)
    first = document(rated)
    services.schedule_release(rated.cycle, at=timezone.now(), actor=roles.admin)
    from assessment.moderation import current_rating

    record_rating(
        rated, {"A": 3, "B": 2, "C": 2, "D": 2, "E": 2}, proposed_by=roles.moderator,
        confirmed_by=roles.admin, source="review", supersedes=current_rating(rated),
        note="Review upheld in part.",
    )  # fmt: skip

    render_all(rated.cycle, roles.admin, reason="Rating changed after review")

    second = document(rated)
    assert (second.version, second.supersedes_id) == (2, first.pk)
    assert second.reason.startswith("Rating changed after review (Changed since version 1:")
    assert "scores" in second.reason and "total" in second.reason
    assert re.search(r"3 2 2 2 2 11 GREEN", pdf_text(read(second)))
    # The officer gets the new version, and only that; the admin keeps both.
    client.force_login(roles.officer)
    assert client.get(reverse("letters:download", args=[second.pk])).status_code == 200
    assert client.get(reverse("letters:download", args=[first.pk])).status_code == 404
    client.force_login(roles.admin)
    assert client.get(reverse("letters:download", args=[first.pk])).status_code == 200
    # The reissued letter joins the outbox for the officer.
    assert OutboxMessage.objects.filter(document=second, recipient=roles.officer).exists()


def test_letters_are_held_until_the_release_time(rated, roles, client):
    render_all(rated.cycle, roles.admin)
    letter, summary = document(rated), document(rated, "summary")
    url = reverse("letters:download", args=[letter.pk])
    client.force_login(roles.officer)
    assert client.get(url).status_code == 404

    services.schedule_release(rated.cycle, at=timezone.now() + timedelta(days=1), actor=roles.admin)
    assert client.get(url).status_code == 404
    assert services.send_due_messages() == 0

    rated.cycle.released_at = timezone.now() - timedelta(minutes=1)
    rated.cycle.save()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response) == read(letter)
    assert Download.objects.filter(document=letter, user=roles.officer).count() == 1
    # Another CCG's officer, and the CCG's own lead for the letter, get nothing.
    for user in (roles.other_officer, roles.other_lead, roles.assessor, roles.moderator):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(roles.lead)
    assert client.get(url).status_code == 404
    assert client.get(reverse("letters:download", args=[summary.pk])).status_code == 200


def test_release_is_refused_until_every_rated_ccg_has_a_letter(rated, roles):
    with pytest.raises(services.LetterError, match="1 CCGs with a final rating have no letter"):
        services.schedule_release(rated.cycle, at=timezone.now(), actor=roles.admin)
    assert rated.cycle.__class__.objects.get(pk=rated.cycle.pk).released_at is None


def test_an_officer_of_two_ccgs_gets_one_email_per_ccg(rated, roles, other_submission):
    from evidence.models import Submission

    CCGRoleFactory(
        user=roles.officer, ccg=other_submission.ccg, role=CCGRole.Role.ACCOUNTABLE_OFFICER
    )
    Submission.objects.filter(pk=other_submission.pk).update(
        status="submitted", submitted_at=timezone.now()
    )
    finalise(other_submission, (3, 3, 3, 2, 2), roles)
    render_all(rated.cycle, roles.admin)

    added = services.schedule_release(rated.cycle, at=timezone.now(), actor=roles.admin)

    # West Norfolk: the officer; Halton: the officer and Halton's own officer.
    assert added == 3
    for message in OutboxMessage.objects.all():
        assert services.send_message(message.pk) is True
    assert services.send_message(OutboxMessage.objects.first().pk) is False  # once only
    to_officer = [m for m in mail.outbox if m.to == [roles.officer.email]]
    assert len(to_officer) == 2
    assert sorted(m.subject.split("outcome for ")[1] for m in to_officer) == [
        "NHS Halton CCG", "NHS West Norfolk CCG",
    ]  # fmt: skip
    names = {m.attachments[0][0] for m in to_officer}
    assert names == {"07J-2019-20-letter-v1.pdf", "01F-2019-20-letter-v1.pdf"}
    assert all(m.attachments[0][1].startswith(b"%PDF-") for m in to_officer)
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_a_held_message_is_not_sent_and_a_failed_one_says_why(rated, roles, settings):
    render_all(rated.cycle, roles.admin)
    services.schedule_release(rated.cycle, at=timezone.now(), actor=roles.admin)
    message = OutboxMessage.objects.get()

    services.set_held(message, held=True, actor=roles.admin)
    assert services.send_message(message.pk) is False
    assert mail.outbox == []

    services.set_held(message, held=False, actor=roles.admin)
    settings.EMAIL_BACKEND = "tests.integration.test_letters.RefusingBackend"
    assert services.send_message(message.pk) is False
    message.refresh_from_db()
    assert message.status == "failed"
    assert "550 mailbox unavailable" in message.error


class RefusingBackend:
    """An SMTP server that refuses every message (Django's interface, not our code)."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPRecipientsRefused({"x": (550, b"550 mailbox unavailable")})


def test_render_letters_command_writes_each_letter_to_out(rated, roles, tmp_path, capsys):
    call_command("render_letters", "--cycle", "2019/20", "--ccg", "07j", "--out", str(tmp_path))

    written = tmp_path / "07J.pdf"
    assert written.read_bytes() == read(document(rated))
    assert (tmp_path / "07J-summary.pdf").exists()
    out = capsys.readouterr()
    assert "2 rendered, 0 unchanged, 0 failed, of 2 documents" in out.out
    assert "2/2" in out.err


def test_render_letters_command_names_an_unknown_cycle(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No cycle '2030/31'"):
        call_command("render_letters", "--cycle", "2030/31")


def test_the_zip_has_every_letter_and_summary_in_force(rated, roles, client):
    render_all(rated.cycle, roles.admin)
    client.force_login(roles.admin)

    response = client.get(reverse("letters:zip", args=[rated.cycle.slug]))

    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(bundle.namelist()) == ["letters/07J.pdf", "summaries/07J.pdf"]
    assert bundle.read("letters/07J.pdf") == read(document(rated))


def test_the_sweeper_requeues_lost_jobs_and_gives_up_on_poison_ones(rated, roles):
    run = services.start_run(rated.cycle, actor=roles.admin, enqueue=False)
    later = timezone.now() + timedelta(minutes=10)
    assert services.sweep_stuck_jobs(later) == 2
    RenderJob.objects.filter(run=run).update(attempts=3, queued_at=timezone.now())
    assert services.sweep_stuck_jobs(later + timedelta(minutes=10)) == 0
    assert set(run.jobs.values_list("status", flat=True)) == {"failed"}
    assert services.retry_failed(run, actor=roles.admin) == 2
    assert set(run.jobs.values_list("status", flat=True)) == {"queued"}


def test_hostile_wording_is_refused_or_printed_as_text(rated, roles, client):
    client.force_login(roles.admin)
    url = reverse("letters:wording", args=[rated.cycle.slug])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if k != "letter_date"}
    data.update({"letter_date_day": "25", "letter_date_month": "11", "letter_date_year": "2020"})
    data["sent_via_email"] = "on"

    refused = client.post(url, {**data, "subject": "Hello {ccg_name.__class__}"})
    assert refused.status_code == 200
    assert "which is not a placeholder" in refused.content.decode()

    hostile = '<img src="file:///etc/passwd"> <link rel=stylesheet href=http://127.0.0.1/x.css>'
    saved = client.post(url, {**data, "closing_paragraph": hostile})
    assert saved.status_code == 302, saved.context["form"].errors
    preview = client.get(
        reverse("letters:preview", args=[rated.cycle.slug]), {"ccg": "07J", "kind": "letter"}
    )
    assert preview.status_code == 200
    text = pdf_text(preview.content)
    assert 'src="file:///etc/passwd"' in text.replace(" ", " ")
    assert "25 November 2020" in text
    assert Document.objects.count() == 0  # a preview stores nothing


def wording_post_data(client, url):
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if k != "letter_date" and v is not False}
    day = form.initial["letter_date"]
    return {
        **data,
        "letter_date_day": day.day, "letter_date_month": day.month, "letter_date_year": day.year,
    }  # fmt: skip


def test_saving_the_wording_unchanged_keeps_every_letter_as_it_is(rated, roles, client):
    render_all(rated.cycle, roles.admin)
    client.force_login(roles.admin)
    url = reverse("letters:wording", args=[rated.cycle.slug])

    assert client.post(url, wording_post_data(client, url)).status_code == 302

    from letters.selectors import wording_for
    from letters.wording import seed_wording

    assert wording_for(rated.cycle)[0] == seed_wording("2019/20")
    again = render_all(rated.cycle, roles.admin)
    assert set(again.jobs.values_list("status", flat=True)) == {"unchanged"}


def test_an_edited_wording_reaches_the_next_letters_as_version_2(rated, roles, client):
    render_all(rated.cycle, roles.admin)
    client.force_login(roles.admin)
    url = reverse("letters:wording", args=[rated.cycle.slug])
    data = wording_post_data(client, url)
    data["supporting_items"] += "\nrun a webinar for {rating} CCGs of {cycle};"
    data["guidance_section"] = "2.4.2"

    assert client.post(url, data).status_code == 302
    render_all(rated.cycle, roles.admin)

    letter = document(rated)
    assert letter.version == 2
    assert letter.reason == "Changed since version 1: guidance section, wording."
    text = pdf_text(read(letter))
    assert "run a webinar for Amber CCGs of 2019/20;" in text
    assert "Please see section 2.4.2 of the Guidance for CCGs" in text


def test_every_beat_task_is_a_registered_task():
    from django.conf import settings

    from config.celery_app import app

    app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"letters.sweep_stuck_jobs", "letters.send_due_messages"} <= names
    assert names <= set(app.tasks)
