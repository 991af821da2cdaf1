"""The insight page (agreement between assessors, severity against moderation) and the audit
view of one CCG's cycle: their numbers for hand-built cases, their queries, their filters
and CSV, and who may open them."""

import csv
import io
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment import moderation, reviews, statistics, workflow
from assessment.assignments import unassign
from assessment.audit import KINDS, audit_events
from assessment.clarifications import answer_clarification, ask_clarification
from assessment.insight import IN_LINE, MORE_LENIENT, MORE_SEVERE, insight_for
from assessment.models import Assessment, Assignment, DomainScore, Rating
from evidence.models import Submission, SubmissionEvent
from tests.factories import CCGFactory, UserFactory

pytestmark = pytest.mark.django_db

CODES = "ABCDE"


def add_case(cycle, scores_by_assessor, submission=None):
    """A submitted CCG whose assessors submitted the given scores (A-E), in that order."""
    if submission is None:
        submission = Submission.objects.create(ccg=CCGFactory(), cycle=cycle, status="submitted",
                                               submitted_at=timezone.now())  # fmt: skip
    else:
        Submission.objects.filter(pk=submission.pk).update(
            status="submitted", submitted_at=timezone.now()
        )
        submission.refresh_from_db()
    domains = list(cycle.domains.order_by("code"))
    for assessor, scores in scores_by_assessor:
        assessment = Assessment.objects.create(
            submission=submission, assessor=assessor, status="submitted",
            submitted_at=timezone.now(),
        )  # fmt: skip
        DomainScore.objects.bulk_create(
            DomainScore(assessment=assessment, domain=d, score=s, rationale="r")
            for d, s in zip(domains, scores, strict=True)
        )
    return submission


def finalise(submission, agreed, proposer, confirmer):
    """A final rating through the moderation services: agreed scores, propose, confirm."""
    mod = moderation.open_moderation(submission, actor=proposer)
    for domain, score in zip(submission.cycle.domains.order_by("code"), agreed, strict=True):
        moderation.set_agreed_score(
            mod, domain, score=score, reason="Evidence read again.", actor=proposer
        )
    moderation.apply_moderation_action(mod, workflow.ModerationAction.PROPOSE, actor=proposer)
    return moderation.apply_moderation_action(
        mod, workflow.ModerationAction.CONFIRM, actor=confirmer
    ).rating


@pytest.fixture
def three_cases(assessed, roles, other_submission):
    """West Norfolk (Grace 2,2,2,1,2; Sam 2,2,2,3,2; agreed 2,2,2,2,2),
    Halton (Grace 1,1,2,1,1; Pat 2,2,2,2,2; agreed 2,2,2,2,2) and a third CCG
    (Sam 3,3,3,2,3; Pat 2,3,3,2,2; agreed 2,3,3,2,2), all final."""
    cycle = assessed.submission.cycle
    grace, sam = assessed.first, assessed.second
    pat = UserFactory(is_assessor=True, full_name="Pat Third-Assessor")
    halton = add_case(cycle, [(grace, (1, 1, 2, 1, 1)), (pat, (2, 2, 2, 2, 2))], other_submission)
    third = add_case(cycle, [(sam, (3, 3, 3, 2, 3)), (pat, (2, 3, 3, 2, 2))])
    for submission, agreed in (
        (assessed.submission, (2, 2, 2, 2, 2)),
        (halton, (2, 2, 2, 2, 2)),
        (third, (2, 3, 3, 2, 2)),
    ):
        finalise(submission, agreed, roles.moderator, assessed.moderator2)
    pairs = {  # by domain: (first assessor, second assessor) of each CCG
        "A": [(2, 2), (1, 2), (3, 2)],
        "B": [(2, 2), (1, 2), (3, 3)],
        "C": [(2, 2), (2, 2), (3, 3)],
        "D": [(1, 3), (1, 2), (2, 2)],
        "E": [(2, 2), (1, 2), (3, 2)],
    }
    return cycle, grace, sam, pat, pairs


# --------------------------------------------------------------------------- insight


def test_insight_kappa_and_agreement_match_the_statistics_on_the_same_pairs(three_cases):
    cycle, _, _, _, pairs = three_cases
    insight = insight_for(cycle)

    assert (insight.paired, insight.rated, insight.compared) == (3, 3, 3)
    assert [row.code for row in insight.domains] == list(CODES)
    for row in insight.domains:
        assert row.n == 3
        assert row.kappa == statistics.quadratic_weighted_kappa(pairs[row.code])
        shares = statistics.agreement(pairs[row.code])
        assert (row.exact, row.adjacent) == (shares.exact, shares.adjacent)
    by_code = {row.code: row for row in insight.domains}
    assert by_code["C"].kappa == 1.0 and by_code["C"].exact_percent == 100
    assert by_code["D"].exact_percent == 33 and by_code["D"].adjacent_percent == 67


def test_insight_deviation_signs_say_severe_lenient_and_in_line(three_cases):
    cycle, grace, sam, pat, _ = three_cases
    rows = {row.assessor: row for row in insight_for(cycle).assessors}

    assert (rows[grace].cases, rows[grace].mean_deviation) == (2, -0.5)  # -1 and -4 over 10
    assert rows[grace].direction == MORE_SEVERE and rows[grace].deviation_text == "\u22120.50"
    assert (rows[sam].cases, rows[sam].mean_deviation) == (2, 0.3)  # +1 and +2 over 10
    assert rows[sam].direction == MORE_LENIENT and rows[sam].deviation_text == "+0.30"
    assert (rows[pat].mean_deviation, rows[pat].direction) == (0.0, IN_LINE)
    assert [rows[a].moderated_percent for a in (grace, sam, pat)] == [100, 100, 0]
    assert [row.name for row in insight_for(cycle).assessors] == sorted(
        [grace.full_name, sam.full_name, pat.full_name]
    )


def test_insight_reads_the_current_rating_after_a_review(three_cases):
    cycle, _, sam, _, _ = three_cases
    third = Submission.objects.filter(cycle=cycle).exclude(ccg__ods_code__in=["07J", "01F"]).get()
    original = Rating.objects.get(submission=third)
    Rating.objects.create(
        submission=third, scores=dict(zip(CODES, (3, 3, 3, 2, 3), strict=True)), total=14,
        band_code="green_star", band_label="Green star", bands_version=1,
        source=Rating.Source.REVIEW, supersedes=original,
    )  # fmt: skip
    rows = {row.assessor: row for row in insight_for(cycle).assessors}
    assert rows[sam].mean_deviation == 0.1  # +1 on West Norfolk, 0 on the reviewed CCG
    assert insight_for(cycle).rated == 3


def test_insight_queries_do_not_grow_with_the_ccgs(cycle):
    def add(count):
        for _ in range(count):
            first, second = (UserFactory(is_assessor=True) for _ in range(2))
            submission = add_case(cycle, [(first, (1, 2, 2, 2, 1)), (second, (2, 2, 3, 2, 1))])
            Rating.objects.create(
                submission=submission, scores=dict(zip(CODES, (2, 2, 2, 2, 1), strict=True)),
                total=9, band_code="amber", band_label="Amber", bands_version=1,
            )  # fmt: skip

    def queries():
        with CaptureQueriesContext(connection) as captured:
            insight = insight_for(cycle)
        return len(captured), insight

    add(1)
    one, small = queries()
    add(4)
    five, large = queries()
    assert (small.paired, large.paired, len(large.assessors)) == (1, 5, 10)
    assert one == five


def test_the_insight_page_shows_tables_charts_and_words(client, three_cases, roles):
    cycle, grace, *_ = three_cases
    client.force_login(roles.moderator)
    page = client.get(reverse("insight:cycle", kwargs={"cycle": cycle.slug})).content.decode()
    assert "1 means perfect agreement" in page and "no better than chance" in page
    assert page.count("<figure") == 2 and page.count("<figcaption") == 2
    assert page.count('role="img"') >= 2
    assert grace.full_name in page and "More severe" in page and "More lenient" in page
    assert "In line" in page
    assert "1.00" in page  # domain C's kappa


def test_the_insight_page_says_when_there_is_nothing_yet(client, cycle, roles):
    client.force_login(roles.admin)
    page = client.get(reverse("insight:cycle", kwargs={"cycle": cycle.slug})).content.decode()
    assert "No CCG has two submitted assessments yet" in page
    assert "No assessed CCG has a final rating yet" in page


def test_kappa_is_not_enough_data_when_every_score_is_the_same(assessed):
    cycle = assessed.submission.cycle
    add_case(cycle, [(UserFactory(is_assessor=True), (2,) * 5) for _ in range(2)])
    Assessment.objects.filter(submission=assessed.submission).update(status="draft")
    insight = insight_for(cycle)
    assert insight.paired == 1
    assert all(row.kappa is None and row.kappa_text == "not enough data" for row in insight.domains)


# --------------------------------------------------------------------------- audit


@pytest.fixture
def audited(assessed, roles):
    """West Norfolk with an event of every kind: submitted, assigned (and one unassigned),
    scored, assessments submitted, a clarification asked and answered, moderated to a final
    rating, released, and reviewed (asked for by the officer, decided by a fresh moderator)
    to a new rating."""
    submission = assessed.submission
    SubmissionEvent.objects.create(
        submission=submission, kind="submitted", from_status="draft", to_status="submitted",
        actor=roles.lead, at=timezone.now() - timedelta(days=10),
    )  # fmt: skip
    extra = Assignment.objects.create(
        submission=submission, assessor=assessed.unassigned, assigned_by=roles.admin
    )
    unassign(extra, actor=roles.admin)
    criterion = submission.cycle.domains.get(code="C").criteria.first()
    question = ask_clarification(
        submission, criterion, question="Which meetings were public?", actor=assessed.first
    )
    answer_clarification(question, answer="All of them, minutes attached.", actor=roles.lead)
    finalise(submission, (2, 2, 2, 2, 2), roles.moderator, assessed.moderator2)
    cycle = submission.cycle
    cycle.released_at = timezone.now()
    cycle.save()
    review = reviews.request_review(submission, grounds="Domain C is better.", actor=roles.officer)
    reviews.decide_review(
        review, scores=dict(zip(CODES, (2, 2, 3, 2, 2), strict=True)),
        reasons="The minutes show more.", actor=UserFactory(is_moderator=True),
    )  # fmt: skip
    from letters import services as letters
    from letters.models import Document, OutboxMessage

    run = letters.start_run(cycle, actor=roles.admin, enqueue=False, kinds=("letter",))
    letters.render_job(run.jobs.get().pk)
    letters.send_message(OutboxMessage.objects.get().pk)
    letters.record_download(Document.objects.get(submission=submission), roles.officer)
    return submission


def audit_url(submission):
    return reverse(
        "audit:submission",
        kwargs={"cycle": submission.cycle.slug, "ods_code": submission.ccg.ods_code},
    )


def test_audit_lists_every_source_in_time_order(audited, assessed, roles):
    events = audit_events(audited)
    # West Norfolk is Green here, so has no improvement session (test_support.py has those).
    assert {e.kind for e in events} == {kind for kind, _ in KINDS} - {"support"}
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert events[0].kind == "submission" and events[0].actor_name == roles.lead.full_name
    summaries = [e.summary for e in events]
    review_rating = next(s for s in summaries if "after review" in s)
    assert review_rating.startswith("Final rating after review 11 Green (bands version 1), "
                                    "superseding the rating of 10 Green given on ")  # fmt: skip
    assert "Review of the rating 10 Green requested: Domain C is better." in summaries
    assert "Review decided: changed: The minutes show more." in summaries
    assert [e.kind for e in events if e.kind in ("rating", "review")] == [
        "rating", "review", "rating", "review"
    ]  # fmt: skip
    assert f"{assessed.unassigned} unassigned" in summaries
    assert any(s.startswith("Domain D: not scored \u2192 1 by Grace Assessor: Because 1.")
               for s in summaries)  # fmt: skip
    assert any(s.startswith("Question on ") and "answered: All of them" in s for s in summaries)
    assert "Final rating 10 Green (bands version 1)" in " ".join(summaries)
    assert any("Rating confirmed" in s for s in summaries)
    assert "Grace Assessor's assessment submitted" in summaries
    assert any(s.startswith("Outcome letter version 1 rendered for 11 Green") for s in summaries)
    assert f"Letter version 1 e-mailed to {roles.officer.email}" in summaries
    assert "Outcome letter version 1 downloaded" in summaries


def test_audit_reads_one_query_per_kind(audited):
    """Letters read three: the documents, their e-mails and their downloads; improvement
    support two: the session's changes and its notices."""
    with CaptureQueriesContext(connection) as captured:
        audit_events(audited)
    assert len(captured) == len(KINDS) + 3
    with CaptureQueriesContext(connection) as captured:
        audit_events(audited, kinds=["score", "rating"])
    assert len(captured) == 2


def test_the_audit_filter_narrows_the_page_and_the_csv_matches(client, audited, roles):
    client.force_login(roles.moderator)
    url = audit_url(audited)
    everything = client.get(url).content.decode()
    assert "Apply filters" in everything and 'type="checkbox"' in everything
    assert "<caption" in everything and 'scope="col"' in everything

    page = client.get(url, {"kind": ["score", "rating"]})
    expected = audit_events(audited, kinds=["score", "rating"])
    assert page.context["events"] == expected
    assert {e.kind for e in expected} == {"score", "rating"}
    html = page.content.decode()
    assert "Question on" not in html and "Domain D:" in html
    assert "format=csv" in html and "kind=score" in html

    response = client.get(url, {"kind": ["score", "rating"], "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["when", "kind", "who", "what"]
    assert len(rows) == 1 + len(expected)
    assert [row[3] for row in rows[1:]] == [e.summary for e in expected]

    all_rows = list(csv.reader(io.StringIO(client.get(url, {"format": "csv"}).content.decode())))
    assert len(all_rows) == 1 + len(audit_events(audited))


def test_the_audit_page_says_when_no_events_match(client, assessed, roles):
    client.force_login(roles.admin)
    page = client.get(audit_url(assessed.submission), {"kind": "rating"}).content.decode()
    assert "No events match these filters." in page


def test_the_audit_page_refuses_an_unknown_kind_and_shows_everything(client, audited, roles):
    client.force_login(roles.admin)
    response = client.get(audit_url(audited), {"kind": "gossip"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert response.context["events"] == audit_events(audited)


# --------------------------------------------------------------------------- access

ROLES = ["anonymous", "nobody", "lead", "officer", "assessor", "moderator", "admin"]
EXPECTED = {"anonymous": "login", "nobody": 404, "lead": 404, "officer": 404, "assessor": 404,
            "moderator": 200, "admin": 200}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", ["insight", "audit", "audit_csv"])
def test_insight_and_audit_answer_each_role(client, assessed, roles, view, role):
    if role != "anonymous":
        client.force_login(getattr(roles, role))
    submission = assessed.submission
    if view == "insight":
        target = reverse("insight:cycle", kwargs={"cycle": submission.cycle.slug})
    else:
        target = audit_url(submission) + ("?format=csv" if view == "audit_csv" else "")
    response = client.get(target)
    if EXPECTED[role] == "login":
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("login")
    else:
        assert response.status_code == EXPECTED[role]


def test_unknown_cycles_and_ccgs_are_not_found(client, assessed, roles):
    client.force_login(roles.admin)
    assert client.get(reverse("insight:cycle", kwargs={"cycle": "1999-00"})).status_code == 404
    missing = reverse("audit:submission", kwargs={"cycle": assessed.submission.cycle.slug,
                                                  "ods_code": "XXX"})  # fmt: skip
    assert client.get(missing).status_code == 404
