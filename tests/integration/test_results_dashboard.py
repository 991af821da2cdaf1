"""The national dashboard: the process funnel and table, the released results (bands by
region and STP, domain means, change from the previous cycle through mergers), who may see
it, and a fixed number of queries however many CCGs and cycles there are."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import CCGRole
from assessment.models import Assessment, Cycle, Domain, Moderation, RaggBand
from assessment.moderation import record_rating
from assessment.services import SHIPPED_FRAMEWORKS, load_cycle
from evidence.models import Submission
from evidence.services import open_submissions
from letters.models import Document, Download, OutboxMessage
from results import dashboard
from tests.factories import CCGFactory, CCGRoleFactory, RegionFactory, STPFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def scores(*values):
    return dict(zip("ABCDE", values, strict=True))


def rate(submission, values, roles):
    return record_rating(
        submission, scores(*values), proposed_by=roles.moderator, confirmed_by=roles.admin
    )


def submit(submission, assessors=()):
    submission.status = "submitted"
    submission.submitted_at = NOW - timedelta(days=30)
    submission.save()
    for assessor in assessors:
        Assessment.objects.create(
            submission=submission, assessor=assessor, status="submitted", submitted_at=NOW
        )


def document(submission, rating, kind="letter"):
    return Document.objects.create(
        submission=submission, kind=kind, version=1, rating=rating, file=f"{kind}.pdf",
        sha256="0" * 64, size=1, pages=1, inputs={}, inputs_sha256="0" * 64,
    )  # fmt: skip


@pytest.fixture
def world(cycle, roles):
    """Eight CCGs of 2019/20 in four regions, at every stage (see each line), and 2018/19
    released with results for three of them (two through a merger)."""
    north, south = RegionFactory(name="North"), RegionFactory(name="South")
    n1, n2 = STPFactory(name="STP N1", region=north), STPFactory(name="STP N2", region=north)
    s1 = STPFactory(name="STP S1", region=south)
    a = CCGFactory(name="NHS Alpha CCG", ods_code="0AA", stp=n1)
    b = CCGFactory(name="NHS Bravo CCG", ods_code="0BB", stp=n1)
    CCGFactory(name="NHS Charlie CCG", ods_code="0CC", stp=n2)
    d = CCGFactory(name="NHS Delta CCG", ods_code="0DD", stp=s1)
    CCGFactory(name="NHS Echo CCG", ods_code="0EE", stp=s1)
    CCGFactory(name="NHS Foxtrot CCG", ods_code="0FF", stp=s1)
    # Delta was formed from two CCGs that were on the register before 2019 only.
    p1 = CCGFactory(name="NHS Papa One CCG", ods_code="0P1", stp=s1, years=(2018,), successor=d)
    p2 = CCGFactory(name="NHS Papa Two CCG", ods_code="0P2", stp=s1, years=(2018,), successor=d)
    open_submissions(cycle)  # also 07J and 01F (roles), left as drafts
    sub = {s.ccg.ods_code: s for s in Submission.objects.filter(cycle=cycle).select_related("ccg")}
    first, second = UserFactory(is_assessor=True), UserFactory(is_assessor=True)
    for code in ("0AA", "0BB", "0CC", "0DD", "0FF"):
        submit(sub[code], (first, second))
    submit(sub["0EE"], (first,))  # one assessment only: not assessed
    for code, status in (("0AA", "final"), ("0CC", "proposed")):
        Moderation.objects.create(
            submission=sub[code], status=status, proposed_by=roles.moderator, proposed_at=NOW
        )
    alpha = rate(sub["0AA"], (3, 3, 3, 3, 2), roles)  # 14 Green star
    bravo = rate(sub["0BB"], (2, 2, 2, 1, 2), roles)  # 9 Amber
    rate(sub["0DD"], (1, 1, 0, 1, 0), roles)  # 3 Red
    rate(sub["0FF"], (3, 2, 2, 2, 2), roles)  # 11 Green
    officer = CCGRoleFactory(ccg=a, role=CCGRole.Role.ACCOUNTABLE_OFFICER).user
    letter = document(sub["0AA"], alpha)
    OutboxMessage.objects.create(document=letter, recipient=officer, status="sent", sent_at=NOW)
    Download.objects.create(document=letter, user=officer)
    # Bravo: its summary was e-mailed (not a letter), its letter downloaded by the admin only.
    bravo_officer = CCGRoleFactory(ccg=b, role=CCGRole.Role.ACCOUNTABLE_OFFICER).user
    summary = document(sub["0BB"], bravo, kind="summary")
    OutboxMessage.objects.create(
        document=summary, recipient=bravo_officer, status="sent", sent_at=NOW
    )
    Download.objects.create(document=document(sub["0BB"], bravo), user=roles.admin)

    previous = load_cycle(SHIPPED_FRAMEWORKS[0]).cycle
    previous.released_at = NOW - timedelta(days=365)
    previous.save()
    for ccg, values in (
        (a, (2, 2, 2, 2, 2)),  # 10 Green -> 14 Green star: improved
        (b, (2, 2, 2, 1, 2)),  # 9 Amber -> 9 Amber: same
        (p1, (2, 1, 1, 1, 1)),  # 6 and 3: mean 4.5, Amber (5) -> Delta's 3 Red: worse
        (p2, (1, 1, 0, 1, 0)),
    ):
        rate(Submission.objects.create(ccg=ccg, cycle=previous), values, roles)
    return SimpleNamespace(cycle=cycle, previous=previous, submissions=sub, officer=officer)


def release(cycle):
    cycle.released_at = NOW - timedelta(minutes=1)
    cycle.save()


def test_funnel_counts_each_stage(world):
    board = dashboard.dashboard_for(world.cycle)
    assert {step.key: step.count for step in board.funnel} == {
        "submitted": 6, "assessed": 5, "moderated": 5, "final": 4,
        "letter_sent": 1, "letter_downloaded": 1,
    }  # fmt: skip
    assert {step.total for step in board.funnel} == {8}


def test_process_rows_say_which_stage_each_ccg_reached(world):
    rows = {row.ods_code: row for row in dashboard.process_rows(world.cycle)}
    reached = {code: [k for k, _, when in row.stages if when] for code, row in rows.items()}
    assert reached["0AA"] == [key for key, _ in dashboard.STAGES]
    # Bravo's summary went by e-mail and the admin downloaded its letter: neither counts.
    assert reached["0BB"] == ["submitted", "assessed", "moderated", "final"]
    assert reached["0CC"] == ["submitted", "assessed", "moderated"]
    assert reached["0EE"] == ["submitted"]
    assert reached["07J"] == []
    assert rows["0AA"].reached["letter_downloaded"] is not None
    assert (rows["0DD"].region, rows["0DD"].stp) == ("South", "STP S1")


def test_rows_filter_by_region_and_stage(world):
    rows = dashboard.process_rows(world.cycle)
    north = dashboard.filter_rows(rows, region="North")
    assert [r.ods_code for r in north] == ["0AA", "0BB", "0CC"]
    waiting = dashboard.filter_rows(rows, region="North", stage="not_final")
    assert [r.ods_code for r in waiting] == ["0CC"]
    assert [r.ods_code for r in dashboard.filter_rows(rows, stage="letter_sent")] == ["0AA"]


def test_before_release_there_are_no_results(client, roles, world):
    assert dashboard.dashboard_for(world.cycle).results is None
    client.force_login(roles.moderator)
    response = client.get(reverse("results:dashboard", args=[world.cycle.slug]))
    assert response.status_code == 200
    assert b"appear here once the cycle" in response.content
    assert b"ragg-distribution" not in response.content
    assert b"Green star" not in response.content


def test_released_distribution_by_region_and_stp(world):
    release(world.cycle)
    results = dashboard.dashboard_for(world.cycle).results
    assert [band.label for band in results.bands] == ["Red", "Amber", "Green", "Green star"]
    assert results.national.counts == (1, 1, 1, 1)
    assert results.national.cells == [(1, 25), (1, 25), (1, 25), (1, 25)]
    assert {d.name: d.counts for d in results.by_region} == {
        "North": (0, 1, 0, 1),
        "South": (1, 0, 1, 0),
    }
    assert {d.name: d.counts for d in results.by_stp} == {
        "STP N1": (0, 1, 0, 1),
        "STP S1": (1, 0, 1, 0),
    }


def test_released_domain_means_by_region(world):
    release(world.cycle)
    results = dashboard.dashboard_for(world.cycle).results
    means = {m.name: m.means for m in results.region_means}
    assert means["North"] == (2.5, 2.5, 2.5, 2.0, 2.0)
    assert means["South"] == (2.0, 1.5, 1.0, 1.5, 1.0)
    assert results.national_means.means == (2.25, 2.0, 1.75, 1.75, 1.5)
    assert results.national_means.rated == 4


def test_change_from_the_previous_cycle_follows_mergers(world):
    release(world.cycle)
    change = dashboard.dashboard_for(world.cycle).results.change
    assert change.previous == world.previous
    assert (change.improved, change.same, change.worse) == (1, 1, 1)
    matrix = {band.label: counts for band, counts in change.matrix}
    assert matrix == {
        "Red": [0, 0, 0, 0],
        "Amber": [1, 1, 0, 0],  # Delta (mean 4.5, placed in Amber) to Red; Bravo stays
        "Green": [0, 0, 0, 1],  # Alpha
        "Green star": [0, 0, 0, 0],
    }
    [merged] = change.merged
    assert (merged.ods_code, merged.previous_mean) == ("0DD", 4.5)
    assert merged.predecessors == ("NHS Papa One CCG (0P1): 6", "NHS Papa Two CCG (0P2): 3")
    assert [row.ods_code for row in change.no_previous] == ["0FF"]


def test_the_released_page_shows_charts_and_tables(client, roles, world):
    release(world.cycle)
    client.force_login(roles.admin)
    response = client.get(reverse("results:dashboard", args=[world.cycle.slug]))
    html = response.content.decode()
    assert 'id="ragg-distribution-title"' in html
    assert 'id="domain-heat-map-title"' in html
    assert "1 (25%)" in html
    assert "mean total score of the CCGs it was formed from" in html
    assert "NHS Foxtrot CCG (0FF): no previous rating" in html
    assert "Compared with 2018/19" in html


def test_the_oldest_cycle_has_nothing_to_compare_with(world):
    assert dashboard.dashboard_for(world.previous).results.change is None


def test_the_filter_form_filters_the_table_and_refuses_garbage(client, roles, world):
    client.force_login(roles.moderator)
    url = reverse("results:dashboard", args=[world.cycle.slug])
    response = client.get(url, {"region": "South", "stage": "not_final"})
    assert [r.ods_code for r in response.context["rows"]] == ["0EE"]
    response = client.get(url, {"region": "<script>", "stage": "nonsense"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 8  # no filter applied
    assert "Select a valid choice" in response.content.decode()
    assert "<script>" not in response.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("moderator", 200), ("assessor", 404), ("lead", 404), ("officer", 404),
     ("nobody", 404)],
)  # fmt: skip
def test_only_the_national_team_sees_the_dashboard(client, roles, world, role, status):
    release(world.cycle)
    client.force_login(getattr(roles, role))
    url = reverse("results:dashboard", args=[world.cycle.slug])
    assert client.get(url).status_code == status
    home = client.get(reverse("results:dashboard_home"))
    assert home.status_code == (302 if status == 200 else 404)
    if status == 200:
        assert home["Location"] == url


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    url = reverse("results:dashboard", args=[world.cycle.slug])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_unknown_cycle_is_not_found(client, roles, world):
    client.force_login(roles.admin)
    assert client.get(reverse("results:dashboard", args=["1999-00"])).status_code == 404


# --------------------------------------------------------------------------- query counts

# The dashboard's own queries: the cycle, the process rows and the cycles for the links (3);
# once released, the results: bands, domains, ratings, the previous cycle with its bands,
# its ratings and the merger map (6). The rest is every page's: session, user and
# authenticator app, the navigation's roles, cycles and permissions, the session's save.
UNRELEASED_QUERIES = 17
RELEASED_QUERIES = UNRELEASED_QUERIES + 6


def more_cycles(count):
    """``count`` released copies of 2019/20 with earlier labels (2010/11 onwards)."""
    template = Cycle.objects.get(label="2019/20")
    for year in range(2010, 2010 + count):
        label = f"{year}/{(year + 1) % 100:02d}"
        copy = Cycle.objects.create(
            label=label, slug=label.replace("/", "-"), framework_name="x", indicator_name="x",
            guidance_section="x", guidance_title="x", framework_version="x", register_year=2019,
            period_start=template.period_start.replace(year=year),
            period_end=template.period_end.replace(year=year + 1),
            submission_opens=template.submission_opens, released_at=NOW - timedelta(days=999),
            submission_deadline=template.submission_deadline,
        )  # fmt: skip
        RaggBand.objects.bulk_create(
            RaggBand(cycle=copy, code=b.code, label=b.label, minimum=b.minimum, maximum=b.maximum)
            for b in template.bands.all()
        )
        Domain.objects.bulk_create(
            Domain(cycle=copy, code=d.code, name=d.name, summary=d.summary)
            for d in template.domains.all()
        )


def more_ccgs(cycle, previous, roles, count):
    """``count`` more CCGs, each submitted and rated in both cycles, in new regions, one a
    merger of two earlier CCGs."""
    for n in range(count):
        ccg = CCGFactory()
        rate(Submission.objects.create(ccg=ccg, cycle=previous), (n % 4, 2, 2, 1, 1), roles)
        for old in CCGFactory.create_batch(2, years=(2018,), successor=ccg):
            rate(Submission.objects.create(ccg=old, cycle=previous), (1, 1, 1, 1, 1), roles)
        now = Submission.objects.create(ccg=ccg, cycle=cycle)
        submit(now)
        rate(now, (3, n % 4, 2, 1, 0), roles)


def test_released_dashboard_queries_do_not_grow_with_ccgs_or_cycles(
    client, roles, world, django_assert_num_queries
):
    release(world.cycle)
    client.force_login(roles.admin)  # the navigation's queries differ by role, not by data
    url = reverse("results:dashboard", args=[world.cycle.slug])
    assert Cycle.objects.count() == 2
    with django_assert_num_queries(RELEASED_QUERIES):
        assert client.get(url).status_code == 200
    more_cycles(3)  # 5 cycles
    more_ccgs(world.cycle, world.previous, roles, 12)
    assert Cycle.objects.count() == 5
    with django_assert_num_queries(RELEASED_QUERIES):
        response = client.get(url)
    assert response.context["dashboard"].results.national.total == 16


def test_one_cycle_and_five_cycles_run_the_same_queries(
    client, roles, cycle, django_assert_num_queries
):
    """Only the cycle itself: one CCG rated, released, nothing to compare with."""
    ccg = CCGFactory()
    submission = Submission.objects.create(ccg=ccg, cycle=cycle)
    submit(submission)
    rate(submission, (1, 2, 3, 2, 1), roles)
    release(cycle)
    client.force_login(roles.admin)
    url = reverse("results:dashboard", args=[cycle.slug])
    assert Cycle.objects.count() == 1
    with django_assert_num_queries(RELEASED_QUERIES):  # no previous cycle, same queries
        assert client.get(url).status_code == 200
    more_cycles(4)
    assert Cycle.objects.count() == 5
    with django_assert_num_queries(RELEASED_QUERIES):
        assert client.get(url).status_code == 200


def test_unreleased_dashboard_queries_do_not_grow_with_ccgs(
    client, roles, world, django_assert_num_queries
):
    client.force_login(roles.admin)
    url = reverse("results:dashboard", args=[world.cycle.slug])
    with django_assert_num_queries(UNRELEASED_QUERIES):
        assert client.get(url).status_code == 200
    more_ccgs(world.cycle, world.previous, roles, 10)
    with django_assert_num_queries(UNRELEASED_QUERIES):
        assert client.get(url).status_code == 200
