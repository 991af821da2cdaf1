"""The good-practice library: an assessor's flag becomes a proposal, a moderator who did not
assess the CCG approves (or rejects) it, every signed-in user finds it once the cycle is
released, and it names the CCG only when the national admin recorded its consent.

Given West Norfolk (07J, in the region of its STP) assessed by Grace and Sam, each test
flags good practice in their submitted assessments and goes on through the services or
the pages, on PostgreSQL (full-text search).
"""

import dataclasses
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.framework import read_framework_file
from assessment.models import Assessment, DomainScore
from assessment.services import SHIPPED_FRAMEWORKS, apply_cycle_spec
from evidence.models import Submission
from library import selectors, services
from library.models import ConsentEvent, GoodPracticeExample, PublicationConsent
from tests.factories import CCGFactory

pytestmark = pytest.mark.django_db

ENGAGEMENT = "Residents' engagement panel reviews every commissioning decision."


def flag(submission, assessor, code, text):
    """The assessor's submitted assessment of ``submission`` holds ``text`` as the good
    practice of domain ``code`` (the assessor's form writes the same field)."""
    DomainScore.objects.filter(
        assessment__submission=submission, assessment__assessor=assessor, domain__code=code
    ).update(good_practice=text)
    return DomainScore.objects.get(
        assessment__submission=submission, assessment__assessor=assessor, domain__code=code
    )


def proposal_of(score):
    return services.proposals_for(score.domain.cycle).get(source=score)


def approve(score, moderator, title="Engagement panel", summary=ENGAGEMENT, criterion=None):
    return services.approve_example(
        proposal_of(score), title=title, summary=summary, criterion=criterion, actor=moderator
    )


def release(cycle, when=None):
    cycle.released_at = when or timezone.now() - timedelta(minutes=1)
    cycle.save(update_fields=["released_at"])


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def titles(response) -> list[str]:
    return re.findall(r'class="nhsuk-card__link" href="[^"]+">([^<]+)</a>', body(response))


def search(client, **params):
    return client.get(reverse("library:index"), params)


@pytest.fixture
def approved(assessed, roles):
    """Grace's domain C good practice, approved by Tom (the cycle not yet released)."""
    score = flag(assessed.submission, assessed.first, "C", ENGAGEMENT)
    return approve(score, roles.moderator)


# --------------------------------------------------------------------------- the workflow


def test_a_flag_becomes_one_proposal_however_often_the_queue_opens(assessed, roles):
    score = flag(assessed.submission, assessed.first, "B", "Annual report co-written.")
    cycle = assessed.submission.cycle

    first = list(services.proposals_for(cycle))
    again = list(services.proposals_for(cycle))

    assert [p.source_id for p in first] == [p.source_id for p in again] == [score.pk]
    assert GoodPracticeExample.objects.count() == 1
    proposal = first[0]
    assert (proposal.status, proposal.flagged_by, proposal.domain.code) == (
        "proposed", assessed.first, "B",
    )  # fmt: skip


def test_a_reopened_assessment_takes_its_proposal_out_of_the_queue(assessed, roles):
    score = flag(assessed.submission, assessed.first, "B", "Annual report co-written.")
    cycle = assessed.submission.cycle
    services.proposals_for(cycle)
    Assessment.objects.filter(pk=score.assessment_id).update(status="draft")

    assert list(services.proposals_for(cycle)) == []


def test_approved_example_reaches_a_lead_only_after_release(client, approved, roles):
    example = approved
    assert example.status == "approved" and example.decided_by == roles.moderator
    client.force_login(roles.lead)
    assert titles(search(client)) == []
    assert client.get(example.get_absolute_url()).status_code == 404

    release(example.cycle)

    assert titles(search(client)) == ["Engagement panel"]
    assert ENGAGEMENT.replace("'", "&#x27;") in body(client.get(example.get_absolute_url()))


def test_a_release_in_the_future_keeps_the_example_hidden(client, approved, roles):
    release(approved.cycle, timezone.now() + timedelta(days=1))
    client.force_login(roles.other_lead)
    assert titles(search(client)) == []


@pytest.mark.parametrize(
    ("role", "sees_unreleased"),
    [("lead", False), ("officer", False), ("other_lead", False), ("nobody", False),
     ("assessor", True), ("moderator", True), ("admin", True)],
)  # fmt: skip
def test_who_reads_the_examples_of_a_cycle_not_yet_released(
    client, approved, roles, role, sees_unreleased
):
    client.force_login(getattr(roles, role))
    assert titles(search(client)) == (["Engagement panel"] if sees_unreleased else [])
    release(approved.cycle)
    assert titles(search(client)) == ["Engagement panel"]


def test_signed_out_visitors_are_sent_to_sign_in(client, approved):
    release(approved.cycle)
    for url in (reverse("library:index"), approved.get_absolute_url()):
        assert client.get(url)["Location"].startswith(reverse("login"))


def test_a_rejected_example_is_never_published(client, assessed, roles):
    score = flag(assessed.submission, assessed.first, "D", "Feedback loop.")
    example = services.reject_example(
        proposal_of(score), reason="Not distinctive enough.", actor=roles.moderator
    )
    release(example.cycle)
    client.force_login(roles.admin)

    assert (example.status, example.decision_note) == ("rejected", "Not distinctive enough.")
    assert titles(search(client)) == []
    assert client.get(example.get_absolute_url()).status_code == 404
    with pytest.raises(services.LibraryError, match="already rejected by Tom Moderator"):
        services.approve_example(example, title="T", summary="S", actor=roles.moderator)


# --------------------------------------------------------------------------- the review page


def review_url(cycle):
    return reverse("library:review", kwargs={"cycle": cycle.slug})


def decide_url(example):
    return reverse("library:decide", kwargs={"cycle": example.cycle.slug, "pk": example.pk})


def decision(example, **fields):
    return {f"example-{example.pk}-{name}": value for name, value in fields.items()}


def test_a_moderator_approves_from_the_review_page(client, assessed, roles):
    score = flag(assessed.submission, assessed.second, "A", "Lay members chair the board.")
    cycle = assessed.submission.cycle
    client.force_login(roles.moderator)
    page = body(client.get(review_url(cycle)))
    assert "Lay members chair the board." in page and "NHS West Norfolk CCG" in page
    example = GoodPracticeExample.objects.get(source=score)
    criterion = cycle.domains.get(code="A").criteria.order_by("position").last()

    response = client.post(decide_url(example), decision(
        example, decision="approve", title="Lay chairs", summary="Lay members chair it.",
        criterion=criterion.pk,
    ), follow=True)  # fmt: skip

    assert "Published in the library: Lay chairs." in body(response)
    example.refresh_from_db()
    assert (example.status, example.title, example.criterion) == (
        "approved",
        "Lay chairs",
        criterion,
    )
    assert "Lay members chair the board." not in body(client.get(review_url(cycle)))


def test_a_moderator_rejects_from_the_review_page(client, assessed, roles):
    score = flag(assessed.submission, assessed.second, "E", "Translated leaflets.")
    client.force_login(roles.moderator)
    client.get(review_url(assessed.submission.cycle))
    example = GoodPracticeExample.objects.get(source=score)

    response = client.post(
        decide_url(example), decision(example, decision="reject", reason="Usual practice."),
        follow=True,
    )  # fmt: skip

    assert "Example rejected" in body(response)
    assert GoodPracticeExample.objects.get(pk=example.pk).status == "rejected"
    again = client.post(decide_url(example), decision(example, decision="approve", title="T",
                                                      summary="S"), follow=True)  # fmt: skip
    assert "already rejected" in body(again)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({}, "Choose whether to approve or reject the example"),
        ({"decision": "approve", "summary": "Text"}, "Give the example a title"),
        ({"decision": "approve", "title": "T", "summary": " "}, "Give the text to publish"),
        ({"decision": "reject"}, "Give the reason for not publishing this example"),
        ({"decision": "publish"}, "Select a valid choice"),
        ({"decision": "approve", "title": "T", "summary": "S", "criterion": "x"},
         "Select a valid choice"),
        ({"decision": "approve", "title": "T" * 201, "summary": "S"}, "at most 200"),
        ({"decision": "approve", "title": "West Norfolk panel", "summary": "S"},
         "Take “West Norfolk” out of the title and summary"),
    ],
)  # fmt: skip
def test_a_decision_the_rules_refuse_is_shown_on_the_page(client, assessed, roles, fields, error):
    score = flag(assessed.submission, assessed.second, "E", "Translated leaflets.")
    client.force_login(roles.moderator)
    client.get(review_url(assessed.submission.cycle))
    example = GoodPracticeExample.objects.get(source=score)

    page = body(client.post(decide_url(example), decision(example, **fields)))

    assert "There is a problem" in page and error in page.replace("&#x27;", "'")
    assert GoodPracticeExample.objects.get(pk=example.pk).status == "proposed"


def test_a_criterion_of_another_domain_is_refused(assessed, roles):
    score = flag(assessed.submission, assessed.second, "E", "Translated leaflets.")
    other = assessed.submission.cycle.domains.get(code="A").criteria.first()
    with pytest.raises(services.LibraryError, match="Choose a criterion of domain E"):
        approve(score, roles.moderator, criterion=other)


def test_the_moderator_who_assessed_the_ccg_cannot_decide(client, assessed, roles):
    grace = assessed.first
    grace.is_moderator = True
    grace.save(update_fields=["is_moderator"])
    score = flag(assessed.submission, assessed.second, "A", "Lay members chair the board.")
    client.force_login(grace)

    page = body(client.get(review_url(assessed.submission.cycle)))
    example = GoodPracticeExample.objects.get(source=score)
    response = client.post(
        decide_url(example), decision(example, decision="approve", title="T", summary="S"),
        follow=True,
    )  # fmt: skip

    assert "You assessed this CCG, so another moderator must decide." in page
    assert decide_url(example) not in page
    assert "another moderator must decide" in body(response)
    assert GoodPracticeExample.objects.get(pk=example.pk).status == "proposed"
    with pytest.raises(PermissionDenied):
        services.approve_example(example, title="T", summary="S", actor=grace)
    with pytest.raises(PermissionDenied):
        services.reject_example(example, reason="No.", actor=roles.admin)  # not a moderator


# --------------------------------------------------------------------------- naming


def record(client, cycle, ccg, answer, note=""):
    url = reverse("library:consent", kwargs={"cycle": cycle.slug})
    return client.post(url, {"ccg": ccg.ods_code, "consented": answer, "note": note}, follow=True)


def test_consent_names_the_ccg_and_withdrawing_it_hides_the_name(client, approved, roles, ccg):
    release(approved.cycle)
    region = ccg.stp.region.name
    client.force_login(roles.other_lead)
    assert f"A CCG in {region}" in body(search(client))

    client.force_login(roles.admin)
    consent_page = body(client.get(reverse("library:consent", args=[approved.cycle.slug])))
    assert "Not asked" in consent_page and "NHS West Norfolk CCG (07J)" in consent_page
    assert "NHS West Norfolk CCG is named in the library" in body(
        record(client, approved.cycle, ccg, "yes", note="Agreed by the chief officer.")
    )
    client.force_login(roles.other_lead)
    assert "NHS West Norfolk CCG" in body(search(client))
    assert "NHS West Norfolk CCG" in body(client.get(approved.get_absolute_url()))

    client.force_login(roles.admin)
    record(client, approved.cycle, ccg, "no")
    assert "already not named" in body(record(client, approved.cycle, ccg, "no"))
    client.force_login(roles.other_lead)
    assert "West Norfolk" not in body(search(client))
    consent = PublicationConsent.objects.get()
    assert (consent.consented, consent.recorded_by) == (False, roles.admin)
    assert list(ConsentEvent.objects.values_list("consented", "note")) == [
        (True, "Agreed by the chief officer."), (False, ""),
    ]  # fmt: skip


def test_consent_of_another_cycle_does_not_name_the_ccg(client, approved, roles, ccg):
    release(approved.cycle)
    later = extra_cycle("2020/21")
    services.record_consent(ccg, later, True, actor=roles.admin)
    example = selectors.library_for(roles.lead).get()
    assert (example.named, example.ccg_name, selectors.attribution(example)) == (
        False, "", f"A CCG in {ccg.stp.region.name}",
    )  # fmt: skip


def test_the_hidden_name_is_nowhere_in_the_pages_or_the_search(client, approved, roles, ccg):
    release(approved.cycle)
    # The name in any case; the ODS code as a word (a CSRF token may hold "07j").
    names = (re.compile("west norfolk", re.I), re.compile(r"\b07J\b"))
    for role in ("lead", "other_lead", "officer", "assessor", "moderator", "admin", "nobody"):
        client.force_login(getattr(roles, role))
        pages = [
            body(search(client)),
            body(search(client, q="engagement")),
            body(search(client, q="West Norfolk")),
            body(search(client, q="07J")),
            body(client.get(approved.get_absolute_url())),
        ]
        for page in pages:
            page = re.sub(r'name="q" value="[^"]*"', "", page)  # the words the user typed
            found = [name.pattern for name in names if name.search(page)]
            assert found == [], f"{role} sees {found}"
        assert titles(search(client, q="West Norfolk")) == []
        assert titles(search(client, q="engagement")) == ["Engagement panel"]


def test_only_the_admin_records_consent(approved, roles, ccg):
    for user in (roles.moderator, roles.lead, roles.assessor):
        with pytest.raises(PermissionDenied):
            services.record_consent(ccg, approved.cycle, True, actor=user)
    assert services.record_consent(ccg, approved.cycle, True, actor=roles.admin) is True
    assert services.record_consent(ccg, approved.cycle, True, actor=roles.admin) is False
    assert ConsentEvent.objects.count() == 1


def test_the_consent_form_refuses_a_ccg_without_examples(client, approved, roles, other_ccg):
    client.force_login(roles.admin)
    page = body(record(client, approved.cycle, other_ccg, "maybe"))
    assert "Choose a CCG from the list" in page
    assert "Select a valid choice" in page
    assert not PublicationConsent.objects.exists()


# --------------------------------------------------------------------------- search


@pytest.fixture
def shelf(assessed, roles):
    """Four approved examples of 2019/20 across domains A, B and E, released."""
    cycle = assessed.submission.cycle
    a1 = cycle.domains.get(code="A").criteria.order_by("position").first()
    texts = [
        (assessed.first, "A", "Engagement with carers", "Carers co-design services.", a1),
        (assessed.second, "A", "Board papers in plain English", "Board papers are readable.",
         None),
        (assessed.first, "B", "Annual report", "The annual report describes engagement events.",
         None),
        (assessed.second, "E", "Interpreters at every meeting", "Interpreters are booked.", None),
    ]  # fmt: skip
    for assessor, code, title, summary, criterion in texts:
        score = flag(assessed.submission, assessor, code, summary)
        approve(score, roles.moderator, title=title, summary=summary, criterion=criterion)
    release(cycle)
    return cycle


def test_search_finds_stemmed_words(client, shelf, roles):
    client.force_login(roles.lead)
    assert sorted(titles(search(client, q="engaging"))) == [
        "Annual report",
        "Engagement with carers",
    ]
    assert titles(search(client, q="interpreter")) == ["Interpreters at every meeting"]
    assert titles(search(client, q='"plain english"')) == ["Board papers in plain English"]
    assert titles(search(client, q="engaged -carers")) == ["Annual report"]
    # The title weighs more than the summary.
    assert titles(search(client, q="engagement"))[0] == "Engagement with carers"


def test_search_filters_by_domain_criterion_and_cycle(client, shelf, roles):
    client.force_login(roles.lead)
    a1 = shelf.domains.get(code="A").criteria.order_by("position").first()
    assert len(titles(search(client, domain="A"))) == 2
    assert titles(search(client, domain="E")) == ["Interpreters at every meeting"]
    assert titles(search(client, criterion=a1.code)) == ["Engagement with carers"]
    assert titles(search(client, q="board", domain="A")) == ["Board papers in plain English"]
    assert titles(search(client, q="board", domain="B")) == []
    assert len(titles(search(client, cycle=shelf.slug))) == 4


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"q": "x" * 201}, "at most 200 characters"),
        ({"domain": "Z"}, "Select a valid choice"),
        ({"domain": ["A", "'; DROP TABLE"]}, None),  # the last value counts: not a choice
        ({"criterion": "A1", "domain": "B"}, "Choose a criterion of domain B"),
        ({"cycle": "1999-00"}, "Select a valid choice"),
        ({"q": "a\x00b"}, "Null characters are not allowed"),
    ],
)  # fmt: skip
def test_a_search_the_form_refuses_says_why(client, shelf, roles, params, error):
    client.force_login(roles.lead)
    page = body(search(client, **params))
    assert "There is a problem" in page
    if error:
        assert error in page
    assert titles(search(client, **params)) == []


@pytest.mark.parametrize(
    "q", ["&|!():*", "'\"", "-", "or or or", "<script>", "a & b | !c", "x:* <-> y", "🙂"]
)
def test_garbage_search_terms_find_nothing_and_never_fail(client, shelf, roles, q):
    client.force_login(roles.lead)
    assert titles(search(client, q=q)) == []


def test_the_search_pages_through_many_results(client, assessed, roles):
    cycle = assessed.submission.cycle
    for n in range(25):
        published(cycle, CCGFactory(), roles, title=f"Panel {n}", text="A public panel.")
    release(cycle)
    client.force_login(roles.lead)
    first = search(client, q="panel")
    assert len(titles(first)) == 20 and "25 examples found" in body(first)
    assert len(titles(search(client, q="panel", page=2))) == 5
    assert "q=panel&amp;page=2" in body(first)


# --------------------------------------------------------------------------- query counts


def extra_cycle(label):
    spec = read_framework_file(SHIPPED_FRAMEWORKS[1])
    return apply_cycle_spec(dataclasses.replace(spec, label=label)).cycle


def published(cycle, ccg, roles, *, title="Panel", text="A public panel meets monthly."):
    """An approved example of ``ccg`` in ``cycle``: a submitted assessment's flag, approved."""
    submission, _ = Submission.objects.get_or_create(
        cycle=cycle, ccg=ccg, defaults={"status": "submitted", "submitted_at": timezone.now()}
    )
    assessment = Assessment.objects.create(
        submission=submission,
        assessor=roles.assessor,
        status="submitted",
        submitted_at=timezone.now(),
    )
    score = DomainScore.objects.create(
        assessment=assessment, domain=cycle.domains.get(code="C"), score=2, good_practice=text
    )
    return services.approve_example(
        proposal_of(score), title=title, summary=text, actor=roles.moderator
    )


def queries_for(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_library_queries_do_not_grow_with_cycles_or_examples(client, cycle, roles, role):
    client.force_login(getattr(roles, role))
    url = reverse("library:index")
    published(cycle, CCGFactory(), roles)
    release(cycle)
    few = queries_for(client, url), queries_for(client, url, {"q": "panel", "domain": "C"})
    for n in range(4):
        more = extra_cycle(f"202{n}/2{n + 1}")
        for _ in range(3):
            ccg = CCGFactory()
            published(more, ccg, roles)
            services.record_consent(ccg, more, True, actor=roles.admin)
        release(more)
    many = queries_for(client, url), queries_for(client, url, {"q": "panel", "domain": "C"})
    assert len(titles(client.get(url))) == 13
    assert few == many


def test_example_and_review_queries_do_not_grow(client, assessed, roles):
    cycle = assessed.submission.cycle
    example = published(cycle, CCGFactory(), roles)
    client.force_login(roles.moderator)
    flag(assessed.submission, assessed.first, "A", "One.")
    review = review_url(cycle)
    queries_for(client, review)  # the proposals are made on the first visit
    few = queries_for(client, review), queries_for(client, example.get_absolute_url())
    for code in "BCDE":
        flag(assessed.submission, assessed.first, code, f"More {code}.")
        flag(assessed.submission, assessed.second, code, f"Also {code}.")
    queries_for(client, review)
    many = queries_for(client, review), queries_for(client, example.get_absolute_url())
    assert len(services.proposals_for(cycle)) == 9
    assert few == many


def test_consent_page_queries_do_not_grow(client, cycle, roles):
    client.force_login(roles.admin)
    url = reverse("library:consent", kwargs={"cycle": cycle.slug})
    published(cycle, CCGFactory(), roles)
    few = queries_for(client, url)
    for _ in range(4):
        ccg = CCGFactory()
        published(cycle, ccg, roles)
        services.record_consent(ccg, cycle, True, actor=roles.admin)
    assert queries_for(client, url) == few


def test_without_postgresql_the_search_matches_the_words_as_typed(client, shelf, roles):
    """The embedded SQLite default (``make run``) has no full-text search: every word must
    appear in the title or summary, in any case, and stems do not match."""
    if connection.vendor != "sqlite":
        pytest.skip("the icontains branch runs on SQLite only; this suite runs on PostgreSQL")
    client.force_login(roles.lead)
    assert titles(search(client, q="ENGAGEMENT carers")) == ["Engagement with carers"]
    assert titles(search(client, q="engaging")) == []
