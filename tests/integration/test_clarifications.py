"""Clarification: an assigned assessor asks, the CCG's lead is e-mailed and answers (adding
evidence to that criterion only while the question is open), the assessor is told.

One test runs the e-mails through a real Celery worker and the real Redis broker
(transactional: the worker thread has its own database connection); the others check what
is queued on commit and call the tasks in-process.
"""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from assessment import tasks
from assessment.clarifications import (
    AlreadyAnswered,
    ClarificationError,
    answer_clarification,
    ask_clarification,
)
from assessment.models import Assignment, Clarification
from evidence.models import EvidenceItem
from evidence.services import SubmissionError, add_link, remove_item
from tests.factories import UserFactory
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.django_db

QUESTION = "Your governing body minutes for March are not attached. Where are they published?"
ANSWER = "They are on our website; we have added the link to A1."


@pytest.fixture
def submitted(submission):
    submission.status = "submitted"
    submission.submitted_at = timezone.now()
    submission.save()
    return submission


@pytest.fixture
def assigned(roles, submitted):
    Assignment.objects.create(
        submission=submitted, assessor=roles.assessor, assigned_by=roles.admin
    )
    return submitted


@pytest.fixture
def a1(cycle):
    return cycle.domains.get(code="A").criteria.get(code="A1")


@pytest.fixture
def a2(cycle):
    return cycle.domains.get(code="A").criteria.get(code="A2")


@pytest.fixture
def asked(roles, assigned, a1):
    return ask_clarification(assigned, a1, question=QUESTION, actor=roles.assessor)


def link(submission, criterion, actor, description="Governing body minutes, March 2020"):
    return add_link(
        submission, criterion, url="https://www.example.nhs.uk/minutes",
        description=description, actor=actor,
    )  # fmt: skip


def page_url(name, clarification=None, **extra):
    submission = clarification.submission if clarification else extra.pop("submission")
    kwargs = {"cycle": submission.cycle.slug, "ods_code": submission.ccg.ods_code, **extra}
    if clarification is not None and name == "detail":
        kwargs["pk"] = clarification.pk
    return reverse(f"clarifications:{name}", kwargs=kwargs)


def assert_no_assessor_identity(text, assessor):
    assert assessor.full_name not in text
    assert assessor.email not in text


# Asking ------------------------------------------------------------------------------------


def test_asking_queues_the_request_that_emails_the_ccgs_leads_only(
    roles, assigned, a1, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        clarification = ask_clarification(assigned, a1, question=QUESTION, actor=roles.assessor)
    assert len(queued) == 1

    assert tasks.send_clarification_request(clarification.pk) is True

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [roles.lead.email]
    assert "NHS West Norfolk CCG" in email.subject
    assert "A1" in email.subject
    assert QUESTION in email.body
    assert "An assessor in the national assessment team" in email.body
    assert f"/clarifications/{assigned.cycle.slug}/07J/{clarification.pk}/" in email.body
    assert email.body.startswith("Dear colleague")
    assert_no_assessor_identity(email.subject + email.body, roles.assessor)


def test_asking_strips_the_question_and_records_who_and_when(roles, assigned, a1):
    clarification = ask_clarification(
        assigned, a1, question=f"  {QUESTION}\n", actor=roles.assessor
    )
    assert clarification.question == QUESTION
    assert clarification.asked_by == roles.assessor
    assert clarification.is_open
    assert timezone.now() - clarification.asked_at < timedelta(minutes=1)


def test_a_second_open_question_on_the_same_criterion_is_refused(roles, assigned, a1, a2):
    second_assessor = UserFactory(is_assessor=True)
    Assignment.objects.create(
        submission=assigned, assessor=second_assessor, assigned_by=roles.admin
    )
    first = ask_clarification(assigned, a1, question=QUESTION, actor=roles.assessor)

    for assessor in (roles.assessor, second_assessor):
        with pytest.raises(ClarificationError, match="already waiting for the CCG's answer"):
            ask_clarification(assigned, a1, question="And another?", actor=assessor)
    # Another criterion is fine; and once the first is answered, A1 can be asked about again.
    ask_clarification(assigned, a2, question="What about A2?", actor=second_assessor)
    answer_clarification(first, answer=ANSWER, actor=roles.lead)
    ask_clarification(assigned, a1, question="A follow-up.", actor=second_assessor)

    assert Clarification.objects.filter(submission=assigned, criterion=a1).count() == 2
    assert Clarification.objects.filter(submission=assigned, answered_at__isnull=True).count() == 2


@pytest.mark.parametrize("who", ["lead", "officer", "moderator", "admin", "unassigned"])
def test_only_an_assigned_assessor_may_ask(roles, assigned, a1, who):
    actor = UserFactory(is_assessor=True) if who == "unassigned" else getattr(roles, who)
    with pytest.raises(PermissionDenied):
        ask_clarification(assigned, a1, question=QUESTION, actor=actor)
    assert not Clarification.objects.exists()


def test_no_question_on_a_draft_or_after_unassignment(roles, submission, a1):
    assignment = Assignment.objects.create(
        submission=submission, assessor=roles.assessor, assigned_by=roles.admin
    )
    with pytest.raises(PermissionDenied):  # still a draft
        ask_clarification(submission, a1, question=QUESTION, actor=roles.assessor)
    submission.status, submission.submitted_at = "submitted", timezone.now()
    submission.save()
    assignment.unassigned_at = timezone.now()
    assignment.save()
    with pytest.raises(PermissionDenied):
        ask_clarification(submission, a1, question=QUESTION, actor=roles.assessor)


def test_a_criterion_of_another_cycle_is_refused(roles, assigned):
    from assessment.services import SHIPPED_FRAMEWORKS, load_cycle

    older = load_cycle(SHIPPED_FRAMEWORKS[0]).cycle
    old_a1 = older.domains.get(code="A").criteria.get(code="A1")
    with pytest.raises(ClarificationError, match="not a criterion of the 2019/20 cycle"):
        ask_clarification(assigned, old_a1, question=QUESTION, actor=roles.assessor)


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "Enter your question"), ("   \n", "Enter your question"),
     ("x" * 2001, "2,000 characters or fewer")],
)  # fmt: skip
def test_a_question_is_required_and_at_most_2000_characters(roles, assigned, a1, question, message):
    with pytest.raises(ClarificationError, match=message):
        ask_clarification(assigned, a1, question=question, actor=roles.assessor)
    ask_clarification(assigned, a1, question="x" * 2000, actor=roles.assessor)


def test_the_request_email_is_not_sent_once_answered_or_when_gone(roles, asked):
    answer_clarification(asked, answer=ANSWER, actor=roles.lead)
    assert tasks.send_clarification_request(asked.pk) is False
    assert tasks.send_clarification_request(asked.pk + 1000) is False
    assert mail.outbox == []


# Answering ---------------------------------------------------------------------------------


def test_answering_queues_the_email_to_the_assessor_who_asked(
    roles, asked, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        answered = answer_clarification(asked, answer=f"{ANSWER}\n", actor=roles.lead)
    assert len(queued) == 1
    assert answered.answer == ANSWER
    assert answered.answered_by == roles.lead
    assert not answered.is_open

    assert tasks.send_clarification_answer(asked.pk) is True

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [roles.assessor.email]
    assert "NHS West Norfolk CCG" in email.subject
    assert QUESTION in email.body
    assert ANSWER in email.body
    assert email.body.startswith("Dear Grace")


def test_answering_twice_changes_nothing_and_sends_one_email(
    roles, asked, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        answer_clarification(asked, answer=ANSWER, actor=roles.lead)
        with pytest.raises(AlreadyAnswered, match="already been answered"):
            answer_clarification(asked, answer="A different answer.", actor=roles.lead)
    assert len(queued) == 1
    asked.refresh_from_db()
    assert asked.answer == ANSWER


def test_the_answer_email_goes_only_once_answered(roles, asked):
    assert tasks.send_clarification_answer(asked.pk) is False
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["officer", "other_lead", "assessor", "moderator", "admin"])
def test_only_the_ccgs_lead_may_answer(roles, asked, who):
    with pytest.raises(PermissionDenied):
        answer_clarification(asked, answer=ANSWER, actor=getattr(roles, who))
    asked.refresh_from_db()
    assert asked.is_open


def test_an_answer_is_required(roles, asked):
    with pytest.raises(ClarificationError, match="Enter your answer"):
        answer_clarification(asked, answer="  ", actor=roles.lead)


# Evidence while a question is open -----------------------------------------------------------


def test_the_lead_may_add_evidence_to_the_asked_criterion_only_while_it_is_open(
    roles, asked, a1, a2
):
    submission = asked.submission
    item = link(submission, a1, roles.lead)
    assert item.criterion == a1

    with pytest.raises(SubmissionError, match="submitted"):
        link(submission, a2, roles.lead)
    with pytest.raises(SubmissionError):  # only the lead answers, so only the lead adds
        link(submission, a1, roles.officer)
    with pytest.raises(SubmissionError):  # the rest of the submission stays locked
        remove_item(item, actor=roles.lead)

    answer_clarification(asked, answer=ANSWER, actor=roles.lead)

    with pytest.raises(SubmissionError, match="submitted"):
        link(submission, a1, roles.lead)
    assert EvidenceItem.objects.filter(submission=submission).count() == 1


def test_the_add_evidence_pages_open_for_the_asked_criterion_only_while_open(
    client, roles, asked, a1, a2
):
    client.force_login(roles.lead)
    submission = asked.submission
    kwargs = {"cycle": submission.cycle.slug, "ods_code": "07J"}
    add_a1 = reverse("evidence:add_link", kwargs={**kwargs, "criterion": "A1"})
    add_a2 = reverse("evidence:add_file", kwargs={**kwargs, "criterion": "A2"})

    assert client.get(add_a1).status_code == 200
    assert client.get(add_a2)["Location"] == submission.get_absolute_url()
    detail = client.get(page_url("detail", asked)).content.decode()
    assert add_a1 in detail
    assert reverse("evidence:add_file", kwargs={**kwargs, "criterion": "A1"}) in detail
    assert "Upload a file for A1" in detail
    assert "Add a link for A1" in detail

    answer_clarification(asked, answer=ANSWER, actor=roles.lead)

    assert client.get(add_a1)["Location"] == submission.get_absolute_url()
    assert "Upload a file for A1" not in client.get(page_url("detail", asked)).content.decode()


def test_the_assessor_sees_the_evidence_added_since_the_question(client, roles, assigned, a1):
    before = EvidenceItem.objects.create(
        submission=assigned, criterion=a1, kind="link", url="https://www.example.nhs.uk/",
        description="Added before the question", created_by=roles.lead,
    )  # fmt: skip
    EvidenceItem.objects.filter(pk=before.pk).update(created_at=timezone.now() - timedelta(hours=1))
    clarification = ask_clarification(assigned, a1, question=QUESTION, actor=roles.assessor)
    link(assigned, a1, roles.lead, description="Added in answer")
    gone = link(assigned, a1, roles.lead, description="Added then removed")
    EvidenceItem.objects.filter(pk=gone.pk).update(removed_at=timezone.now(), removed_by=roles.lead)
    answer_clarification(clarification, answer=ANSWER, actor=roles.lead)

    client.force_login(roles.assessor)
    page = client.get(page_url("detail", clarification)).content.decode()

    assert "Added in answer" in page
    assert "Added before the question" not in page
    assert "Added then removed" not in page
    assert ANSWER in page
    assert tasks.send_clarification_answer(clarification.pk) is True
    assert "added 1 piece of evidence to A1" in mail.outbox[0].body


# Pages -------------------------------------------------------------------------------------


def test_the_lead_answers_on_the_page_and_a_second_post_says_already_answered(client, roles, asked):
    client.force_login(roles.lead)
    url = page_url("detail", asked)

    response = client.post(url, {"answer": ANSWER}, follow=True)

    assert response.redirect_chain[-1][0] == url
    assert "Your answer has been sent to the national assessment team." in response.text
    asked.refresh_from_db()
    assert asked.answer == ANSWER
    again = client.post(url, {"answer": "Again"}, follow=True)
    assert "already been answered" in again.text
    asked.refresh_from_db()
    assert asked.answer == ANSWER


def test_an_empty_answer_shows_the_error_summary(client, roles, asked):
    client.force_login(roles.lead)
    response = client.post(page_url("detail", asked), {"answer": ""})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert 'href="#id_answer"' in response.text
    assert response.text.count("Enter your answer") == 2  # summary and field


@pytest.mark.parametrize("who", ["moderator", "assessor"])
def test_others_who_can_read_the_question_cannot_answer_it_on_the_page(client, roles, asked, who):
    client.force_login(getattr(roles, who))
    url = page_url("detail", asked)
    page = client.get(url).text
    assert 'name="answer"' not in page
    response = client.post(url, {"answer": ANSWER}, follow=True)
    assert "Only the CCG&#x27;s engagement lead can answer this question." in response.text
    asked.refresh_from_db()
    assert asked.is_open


def test_asking_on_the_page_returns_to_a_safe_next_page(client, roles, assigned):
    client.force_login(roles.assessor)
    url = page_url("ask", submission=assigned, criterion="A1")
    scoring = "/assessments/2019-20/07J/domain/A/"

    response = client.post(f"{url}?next={scoring}", {"question": QUESTION})

    assert response.status_code == 302
    assert response["Location"] == scoring
    assert Clarification.objects.get().question == QUESTION


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/path", "javascript:alert(1)"]
)
def test_asking_on_the_page_ignores_a_next_page_elsewhere(client, roles, assigned, next_url):
    client.force_login(roles.assessor)
    url = page_url("ask", submission=assigned, criterion="a1")

    response = client.post(url, {"question": QUESTION, "next": next_url})

    assert response["Location"] == page_url("list", submission=assigned)


def test_the_ask_page_says_when_a_question_is_already_waiting(client, roles, asked):
    second_assessor = UserFactory(is_assessor=True)
    Assignment.objects.create(
        submission=asked.submission, assessor=second_assessor, assigned_by=roles.admin
    )
    client.force_login(second_assessor)
    url = page_url("ask", submission=asked.submission, criterion="A1")

    page = client.get(url).text
    assert "already waiting for the CCG's answer" in page
    assert 'name="question"' not in page
    assert QUESTION not in page  # another assessor's question stays theirs
    response = client.post(url, {"question": "Mine too"})
    assert response.status_code == 200
    assert "already waiting for the CCG&#x27;s answer" in response.text
    assert Clarification.objects.count() == 1


def test_the_thread_list_shows_status_question_answer_and_an_answer_link_for_the_lead(
    client, roles, asked, a2
):
    answered = ask_clarification(asked.submission, a2, question="About A2?", actor=roles.assessor)
    answer_clarification(answered, answer="See page 4.", actor=roles.lead)
    client.force_login(roles.lead)

    page = client.get(page_url("list", submission=asked.submission)).text

    assert "2 questions, 1 open." in page
    assert 'nhsuk-tag--yellow">Open<' in page
    assert 'nhsuk-tag--green">Answered<' in page
    assert QUESTION in page
    assert "See page 4." in page
    assert page.count("Answer this question") == 1
    assert f'href="{page_url("detail", asked)}"' in page


def test_an_assessor_sees_only_their_own_questions_in_the_thread(client, roles, asked, a2):
    second_assessor = UserFactory(is_assessor=True, full_name="Second Assessor")
    Assignment.objects.create(
        submission=asked.submission, assessor=second_assessor, assigned_by=roles.admin
    )
    ask_clarification(asked.submission, a2, question="Second's question", actor=second_assessor)
    client.force_login(second_assessor)

    page = client.get(page_url("list", submission=asked.submission)).text

    assert "Second&#x27;s question" in page
    assert QUESTION not in page
    assert "Grace Assessor" not in page


# Who asked: never shown to the CCG -------------------------------------------------------------


@pytest.mark.parametrize("who", ["lead", "officer"])
def test_the_ccgs_pages_never_name_the_assessor(client, roles, asked, who):
    client.force_login(getattr(roles, who))
    open_pages = [page_url("list", submission=asked.submission)]
    if who == "lead":
        open_pages.append(page_url("detail", asked))
    for url in open_pages:
        page = client.get(url).text
        assert "An assessor" in page
        assert_no_assessor_identity(page, roles.assessor)

    answer_clarification(asked, answer=ANSWER, actor=roles.lead)
    for url in open_pages:
        page = client.get(url).text
        assert ANSWER in page
        assert_no_assessor_identity(page, roles.assessor)


def test_a_national_moderator_who_also_leads_the_ccg_is_not_shown_the_name(client, roles, asked):
    from accounts.models import CCGRole

    roles.moderator.ccg_roles.create(ccg=asked.submission.ccg, role=CCGRole.Role.LEAD)
    client.force_login(roles.moderator)
    for url in (page_url("list", submission=asked.submission), page_url("detail", asked)):
        assert_no_assessor_identity(client.get(url).text, roles.assessor)


@pytest.mark.parametrize("who", ["assessor", "moderator", "admin"])
def test_the_national_team_and_the_assessor_who_asked_see_the_name(client, roles, asked, who):
    client.force_login(getattr(roles, who))
    for url in (page_url("list", submission=asked.submission), page_url("detail", asked)):
        assert "Grace Assessor" in client.get(url).text


# A real worker -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_emails_the_lead_then_the_assessor_once(worker, roles, assigned, a1):
    clarification = ask_clarification(assigned, a1, question=QUESTION, actor=roles.assessor)

    assert wait_for(lambda: len(mail.outbox) == 1), "the worker did not e-mail the lead"
    request = mail.outbox[0]
    assert request.to == [roles.lead.email]
    assert_no_assessor_identity(request.subject + request.body, roles.assessor)

    answer_clarification(clarification, answer=ANSWER, actor=roles.lead)
    with pytest.raises(AlreadyAnswered):
        answer_clarification(clarification, answer="Again", actor=roles.lead)

    assert wait_for(lambda: len(mail.outbox) == 2), "the worker did not e-mail the assessor"
    time.sleep(1)  # a second answer e-mail, if one had been queued, would have arrived by now
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == [roles.assessor.email]
    assert ANSWER in mail.outbox[1].body
