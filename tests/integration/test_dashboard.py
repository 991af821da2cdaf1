"""The submissions dashboard: counts, regions, overdue CCGs and progress for a hand-built
cycle, its fixed number of queries, and its template."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.services import SHIPPED_FRAMEWORKS, load_cycle
from evidence.dashboard import OverdueRow, ProgressDay, RegionRow, dashboard_for
from evidence.models import DomainNarrative, EvidenceItem, Submission, SubmissionEvent
from tests.factories import CCGFactory, RegionFactory, STPFactory

pytestmark = pytest.mark.django_db

OPENS, DEADLINE, TODAY = date(2020, 6, 1), date(2020, 6, 30), date(2020, 7, 3)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def window(cycle):
    cycle.submission_opens, cycle.submission_deadline = OPENS, DEADLINE
    cycle.save()
    return cycle


def in_region(region, name, ods_code, years=(2019,)):
    return CCGFactory(name=name, ods_code=ods_code, stp=STPFactory(region=region), years=years)


def draft(cycle, ccg, *, extension_until=None):
    return Submission.objects.create(ccg=ccg, cycle=cycle, extension_until=extension_until)


def submit(submission, when, user):
    SubmissionEvent.objects.create(
        submission=submission, kind="submitted", from_status="draft", to_status="submitted", at=when
    )
    Submission.objects.filter(pk=submission.pk).update(
        status="submitted", submitted_at=when, submitted_by=user
    )


def reopen(submission, when):
    SubmissionEvent.objects.create(
        submission=submission, kind="reopened", from_status="submitted", to_status="draft", at=when
    )
    Submission.objects.filter(pk=submission.pk).update(status="draft")


def narrative(cycle, submission, user, text="We asked local people."):
    domain = cycle.domains.get(code="A")
    DomainNarrative.objects.create(submission=submission, domain=domain, text=text, updated_by=user)


def link(cycle, submission, user, *, removed=False):
    criterion = cycle.domains.get(code="B").criteria.first()
    EvidenceItem.objects.create(
        submission=submission,
        criterion=criterion,
        kind="link",
        url="https://www.example.org/engagement",
        description="Engagement report",
        created_by=user,
        removed_at=at(OPENS) if removed else None,
        removed_by=user if removed else None,
    )


@pytest.fixture
def hand_built(window, ccg, other_ccg, roles):
    """Eight CCGs in three regions, a fourth region with no submission, a retired one."""
    cycle, user = window, roles.lead
    east, north_west = ccg.stp.region, other_ccg.stp.region
    east.name, north_west.name = "East of England", "North West"
    east.save()
    north_west.save()
    london = RegionFactory(name="London")
    south_west = RegionFactory(name="South West")
    in_region(south_west, "NHS Kernow CCG", "11N")  # on the register, no submission yet
    in_region(RegionFactory(name="Retired region"), "NHS Gone CCG", "99X", years=(2018,))

    # East of England: not started, not started (empty narrative, removed item), in progress.
    draft(cycle, ccg)
    bedford = draft(cycle, in_region(east, "NHS Bedford CCG", "06F"))
    narrative(cycle, bedford, user, text="")
    link(cycle, bedford, user, removed=True)
    luton = draft(cycle, in_region(east, "NHS Luton CCG", "06P"), extension_until=date(2020, 7, 2))
    link(cycle, luton, user)

    # North West: in progress with an extension, submitted, submitted twice, returned to draft.
    halton = draft(cycle, other_ccg, extension_until=date(2020, 7, 10))
    narrative(cycle, halton, user)
    wigan = draft(cycle, in_region(north_west, "NHS Wigan CCG", "02H"))
    submit(wigan, at(date(2020, 6, 9), 23, 30), user)  # 00:30 on 10 June in London
    bolton = draft(cycle, in_region(north_west, "NHS Bolton CCG", "00T"))
    submit(bolton, at(date(2020, 6, 5)), user)
    reopen(bolton, at(date(2020, 6, 8)))
    submit(bolton, at(date(2020, 6, 20)), user)
    salford = draft(cycle, in_region(north_west, "NHS Salford CCG", "01G"))
    submit(salford, at(date(2020, 6, 12)), user)
    reopen(salford, at(date(2020, 6, 15)))
    narrative(cycle, salford, user)

    # London: submitted after the deadline, within its extension.
    enfield = draft(cycle, in_region(london, "NHS Enfield CCG", "07X"), extension_until=TODAY)
    submit(enfield, at(date(2020, 7, 1)), user)

    # Another cycle's submission is not counted.
    other_cycle = load_cycle(SHIPPED_FRAMEWORKS[0]).cycle
    Submission.objects.create(
        ccg=ccg, cycle=other_cycle, status="submitted", submitted_at=at(OPENS)
    )
    return cycle


def test_counts(hand_built):
    counts = dashboard_for(hand_built, TODAY).counts
    assert counts.as_dict() == {
        "Not started": 2,
        "In progress": 3,
        "Submitted": 3,
        "Overdue": 4,
        "With extension": 3,
    }
    assert counts.total == 8
    assert counts.submitted_percent == 38


def test_by_region(hand_built):
    dashboard = dashboard_for(hand_built, TODAY)
    assert dashboard.by_region == [
        RegionRow("East of England", total=3, submitted=0, in_progress=1, not_started=2, overdue=3),
        RegionRow("London", total=1, submitted=1, in_progress=0, not_started=0, overdue=0),
        RegionRow("North West", total=4, submitted=2, in_progress=2, not_started=0, overdue=1),
        RegionRow("South West"),
    ]
    assert dashboard.region_total == RegionRow(
        "All regions", total=8, submitted=3, in_progress=3, not_started=2, overdue=4
    )


def test_overdue(hand_built):
    overdue = dashboard_for(hand_built, TODAY).overdue
    june_30, july_2 = date(2020, 6, 30), date(2020, 7, 2)
    assert [
        (row.ccg_name, row.ods_code, row.region, row.deadline, row.days_overdue, row.state)
        for row in overdue
    ] == [
        ("NHS Bedford CCG", "06F", "East of England", june_30, 3, "Not started"),
        ("NHS Luton CCG", "06P", "East of England", july_2, 1, "In progress"),
        ("NHS Salford CCG", "01G", "North West", june_30, 3, "In progress"),
        ("NHS West Norfolk CCG", "07J", "East of England", june_30, 3, "Not started"),
    ]
    assert [row.has_extension for row in overdue] == [False, True, False, False]
    assert overdue[1] == OverdueRow(
        ccg_name="NHS Luton CCG",
        ods_code="06P",
        region="East of England",
        deadline=july_2,
        days_overdue=1,
        state="In progress",
        has_extension=True,
        url=reverse("evidence:overview", kwargs={"cycle": hand_built.slug, "ods_code": "06P"}),
    )


def test_nothing_is_overdue_on_the_deadline_day(hand_built):
    dashboard = dashboard_for(hand_built, DEADLINE)
    assert dashboard.overdue == []
    assert dashboard.counts.overdue == 0


def test_progress_counts_each_submitted_ccg_from_its_latest_submission(hand_built):
    dashboard = dashboard_for(hand_built, TODAY)
    series = dict(dashboard.progress)
    # From the opening to the last submission (1 July, after the deadline), not to today.
    assert dashboard.progress[0] == (OPENS, 0)
    assert dashboard.progress[-1] == (date(2020, 7, 1), 3)
    assert len(dashboard.progress) == 31
    assert [day for day, _ in dashboard.progress] == [OPENS + timedelta(days=n) for n in range(31)]
    assert series[date(2020, 6, 9)] == 0  # Wigan submitted at 00:30 on 10 June, UK time
    assert series[date(2020, 6, 10)] == 1
    assert series[date(2020, 6, 12)] == 1  # Salford was returned to draft
    assert series[date(2020, 6, 19)] == 1  # Bolton counts from its second submission
    assert series[date(2020, 6, 20)] == 2
    assert series[date(2020, 6, 30)] == 2
    assert dashboard.progress_days == [
        ProgressDay(date(2020, 6, 10), 1, 1),
        ProgressDay(date(2020, 6, 20), 1, 2),
        ProgressDay(date(2020, 7, 1), 1, 3),
    ]


def test_progress_stops_at_today_and_is_empty_before_the_opening(hand_built):
    midway = dashboard_for(hand_built, date(2020, 6, 15))
    assert midway.progress[-1] == (date(2020, 6, 15), 1)
    assert len(midway.progress) == 15
    before = dashboard_for(hand_built, OPENS - timedelta(days=1))
    assert before.progress == []
    assert "No data to show yet." in before.chart_svg


def test_chart_describes_the_progress(hand_built):
    svg = dashboard_for(hand_built, TODAY).chart_svg
    assert 'role="img"' in svg
    assert "Submissions received for 2019/20" in svg
    assert "0 on 1 June 2020 and 3 on 1 July 2020" in svg
    assert "A dashed line marks Deadline (30 June 2020)." in svg


def test_an_empty_cycle(window):
    dashboard = dashboard_for(window, TODAY)
    assert dashboard.counts.total == 0
    assert dashboard.overdue == []
    assert dashboard.region_total == RegionRow("All regions")
    assert dashboard.progress[-1] == (DEADLINE, 0)


def queries(cycle):
    with CaptureQueriesContext(connection) as captured:
        dashboard_for(cycle, TODAY)
    return len(captured)


def test_queries_do_not_grow_with_the_submissions(window, roles):
    def add(n):
        for ccg in CCGFactory.create_batch(n):
            submission = draft(window, ccg, extension_until=date(2020, 7, 1))
            narrative(window, submission, roles.lead)
            link(window, submission, roles.lead)
            submit(submission, at(date(2020, 6, 3)), roles.lead)

    add(2)
    few = queries(window)
    add(4)
    assert Submission.objects.filter(cycle=window).count() == 6
    assert queries(window) == few == 2


def render(cycle, today=TODAY):
    return render_to_string(
        "evidence/dashboard.html",
        {
            "dashboard": dashboard_for(cycle, today),
            "cycle": cycle,
            "today": today,
            "breadcrumbs": [("Home", "/"), (f"Submissions {cycle.label}", "")],
        },
    )


def test_template_shows_the_numbers_and_links_the_overdue_ccgs(hand_built):
    html = render(hand_built)
    assert "<h1>Submissions: 2019/20</h1>" in html
    assert "3 of 8 CCGs (38%) have submitted." in html
    assert "<figcaption" in html
    assert "Show the numbers as a table" in html
    assert f'href="/submissions/{hand_built.slug}/06P/"' in html
    assert '<th class="nhsuk-table__header" scope="row">All regions</th>' in html
    assert "No CCG is overdue." not in html
    assert "style=" not in html
    assert "<style" not in html


def test_template_empty_states(window):
    html = render(window)
    assert "No CCG is overdue." in html
    assert "No CCG has a submission for this cycle yet." in html
    assert "No submissions have been received yet." in html
    assert "style=" not in html


def test_national_admin_sees_the_dashboard(client, roles, hand_built):
    client.force_login(roles.admin)
    response = client.get(reverse("evidence:dashboard", kwargs={"cycle": hand_built.slug}))
    assert response.status_code == 200
    assert b"Submissions: 2019/20" in response.content
