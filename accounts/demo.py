"""Demo data for ``make run`` and browser tests: the register, both cycles, a user per role.

Everything here is idempotent: running it again changes nothing new. The demo
password is published in the README, which is why ``seed_demo`` refuses to run
unless DEBUG is on.
"""

from __future__ import annotations

import random
from base64 import b32decode
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from accounts.models import CCGRole, User
from assessment.models import Cycle
from assessment.services import SHIPPED_FRAMEWORKS, load_cycle
from ccgs.models import CCG
from ccgs.services import SHIPPED_REGISTERS, import_register

DEMO_PASSWORD = "demo-Engagement-2026"  # noqa: S105  (published demo credential, DEBUG only)
# The demo's assessors, moderators and admin share one published authenticator-app key
# (base32), so that anyone trying the demo can add it to an app, or ask
# ``python manage.py demo_code EMAIL`` for the current code. DEBUG only, like the password.
DEMO_APP_KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DEMO_CYCLE = "2019/20"


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role_description: str
    flags: tuple[str, ...] = ()
    leads: tuple[str, ...] = ()
    officer_of: tuple[str, ...] = ()


DEMO_USERS = (
    DemoUser(
        "admin@example.com",
        "Priya Shah",
        "national admin",
        ("is_national_admin", "is_staff", "is_superuser"),
    ),
    DemoUser("moderator@example.com", "Tom Okafor", "moderator", ("is_moderator",)),
    DemoUser(
        "moderator2@example.com", "Helen Price", "moderator (second sign-off)", ("is_moderator",)
    ),
    DemoUser("assessor@example.com", "Grace Lewis", "assessor", ("is_assessor",)),
    DemoUser("assessor2@example.com", "Sam Patel", "assessor", ("is_assessor",)),
    DemoUser(
        "lead@example.com",
        "Jo Bennett",
        "CCG engagement lead of NHS West Norfolk CCG and NHS North Norfolk CCG",
        leads=("07J", "06V"),
    ),
    DemoUser(
        "lead.halton@example.com",
        "Chris Dunn",
        "CCG engagement lead of NHS Halton CCG",
        leads=("01F",),
    ),
    DemoUser(
        "officer@example.com",
        "Dr Alex Morgan",
        "accountable officer of the five Norfolk and Waveney CCGs",
        officer_of=("06M", "06V", "07J", "06W", "06Y"),
    ),
    DemoUser(
        "officer.halton@example.com",
        "Rachel Hughes",
        "accountable officer of NHS Halton CCG",
        officer_of=("01F",),
    ),
)


def seed_demo(log=print) -> None:
    for year, path in SHIPPED_REGISTERS.items():
        log(import_register(path, year).summary())
    for path in SHIPPED_FRAMEWORKS:
        log(load_cycle(path).summary())
    with transaction.atomic():
        cycle = _open_demo_cycle()
        log(
            f"Demo: cycle {cycle.label} is open for evidence until "
            f"{cycle.submission_deadline:%d %B %Y}; 2018/19 is closed."
        )
        for demo_user in DEMO_USERS:
            _ensure_user(demo_user)
        log(_spread_submissions(cycle))
        log(_assign_demo_assessors(cycle))
        log(_assess_and_moderate(cycle))
        log(_import_demo_history())
    log(
        f"Demo users (password {DEMO_PASSWORD}; assessors, moderators and the admin then give "
        f"a code: add the key {DEMO_APP_KEY} to an authenticator app, or run "
        "`python manage.py demo_code EMAIL`):"
    )
    for demo_user in DEMO_USERS:
        log(f"  {demo_user.email:<28} {demo_user.role_description}")


def _open_demo_cycle() -> Cycle:
    """Move the demo cycle's window to now, so that leads have something to submit."""
    today = timezone.localdate()
    Cycle.objects.filter(label="2018/19").update(phase=Cycle.Phase.CLOSED)
    cycle = Cycle.objects.get(label=DEMO_CYCLE)
    cycle.phase = Cycle.Phase.SUBMISSION
    cycle.submission_opens = today - timedelta(days=14)
    cycle.submission_deadline = today + timedelta(days=28)
    cycle.save(update_fields=["phase", "submission_opens", "submission_deadline", "updated_at"])
    return cycle


def _ensure_user(demo_user: DemoUser) -> User:
    user = User.objects.filter(email=demo_user.email).first()
    if user is None:
        user = User.objects.create_user(
            demo_user.email, DEMO_PASSWORD, full_name=demo_user.full_name
        )
    for flag in demo_user.flags:
        setattr(user, flag, True)
    user.save()
    for role, codes in (
        (CCGRole.Role.LEAD, demo_user.leads),
        (CCGRole.Role.ACCOUNTABLE_OFFICER, demo_user.officer_of),
    ):
        for ccg in CCG.objects.filter(ods_code__in=codes):
            CCGRole.objects.get_or_create(user=user, ccg=ccg, role=role, cycle=None)
    if mfa.needs_multi_factor(user):
        TOTPDevice.objects.get_or_create(
            user=user,
            confirmed=True,
            defaults={"name": mfa.APP_DEVICE, "key": b32decode(DEMO_APP_KEY).hex()},
        )
    return user


def _spread_submissions(cycle: Cycle) -> str:
    """Open every CCG's submission and give the cycle a believable spread of progress.

    Drafts with some narratives and links, submissions spread over the window (so the
    dashboard's chart has a shape), a few extensions. The demo leads' own CCGs are left
    for a person to work on: 07J in progress, 06V not started, 01F submitted. Runs once.
    """
    from evidence.models import DomainNarrative, EvidenceItem, Submission, SubmissionEvent
    from evidence.services import open_submissions

    open_submissions(cycle)
    if SubmissionEvent.objects.filter(submission__cycle=cycle).exists():
        return "Demo submissions already spread."
    author, _ = User.objects.get_or_create(
        email="demo.data@example.com",
        defaults={"full_name": "Demo data", "is_active": False},
    )
    rng = random.Random(2019)  # noqa: S311  (demo data, not security)
    domains = list(cycle.domains.prefetch_related("criteria"))
    now = timezone.now()
    opened_days_ago = (timezone.localdate() - cycle.submission_opens).days
    counts = {"submitted": 0, "in progress": 0, "not started": 0, "extensions": 0}
    for submission in Submission.objects.filter(cycle=cycle).select_related("ccg"):
        code = submission.ccg.ods_code
        roll = rng.random()
        if code == "06V" or (code not in ("07J", "01F") and roll < 0.35):
            counts["not started"] += 1
            continue
        submitted = code == "01F" or (code != "07J" and roll > 0.75)
        filled = domains if submitted else rng.sample(domains, rng.randint(1, 4))
        for domain in filled:
            DomainNarrative.objects.create(
                submission=submission,
                domain=domain,
                text=f"During {cycle.label} {submission.ccg.name} involved local people in "
                f"{domain.name.lower()}. (Demo narrative.)",
                updated_by=author,
            )
            for criterion in domain.criteria.all()[: rng.randint(1, 3)]:
                EvidenceItem.objects.create(
                    submission=submission,
                    criterion=criterion,
                    kind=EvidenceItem.Kind.LINK,
                    url=f"https://www.example.org/{code.lower()}/{criterion.code.lower()}",
                    description=f"Web page showing {criterion.title.lower()} (demo)",
                    created_by=author,
                )
        if submitted:
            at = now - timedelta(
                days=rng.randint(0, max(opened_days_ago, 0)), hours=rng.random() * 8
            )
            Submission.objects.filter(pk=submission.pk).update(
                status="submitted", submitted_at=at, submitted_by=author
            )
            SubmissionEvent.objects.create(
                submission=submission,
                kind="submitted",
                from_status="draft",
                to_status="submitted",
                actor=author,
                at=at,
                note="Demo data",
            )
            counts["submitted"] += 1
        else:
            counts["in progress"] += 1
            if rng.random() < 0.05:
                Submission.objects.filter(pk=submission.pk).update(
                    extension_until=cycle.submission_deadline + timedelta(days=14),
                    extension_reason="Governing body meeting moved (demo)",
                )
                counts["extensions"] += 1
    return "Demo submissions: " + ", ".join(f"{n} {label}" for label, n in counts.items()) + "."


def _assign_demo_assessors(cycle: Cycle) -> str:
    """Halton (submitted) to both demo assessors; every other submitted CCG automatically,
    across them and ten more demo assessors who cannot sign in. Runs once."""
    from assessment.assignments import assign, auto_assign
    from assessment.models import Assignment
    from evidence.models import Submission

    if Assignment.objects.filter(submission__cycle=cycle).exists():
        return "Demo assignments already made."
    admin = User.objects.get(email="admin@example.com")
    for n in range(1, 11):
        extra, created = User.objects.get_or_create(
            email=f"demo.assessor{n}@example.com",
            defaults={"full_name": f"Demo assessor {n}", "is_assessor": True},
        )
        if created:
            extra.set_unusable_password()
            extra.save()
    halton = Submission.objects.get(cycle=cycle, ccg__ods_code="01F")
    for email in ("assessor@example.com", "assessor2@example.com"):
        assign(halton, User.objects.get(email=email), actor=admin)
    report = auto_assign(cycle, actor=admin, seed=2019)
    return "Demo: " + report.summary()


def _assess_and_moderate(cycle: Cycle) -> str:
    """Take most submitted CCGs through assessment and moderation, through the services.

    Halton (01F) is left for the demo assessors to score. Of the others, both assessors
    submit (scores close, sometimes apart), and about half end with a final rating
    (proposed by moderator@, confirmed by moderator2@), a few proposed, the rest queued.
    Runs once.
    """
    from assessment import moderation, services, workflow
    from assessment.models import Assessment, Assignment

    if Assessment.objects.filter(submission__cycle=cycle, status="submitted").exists():
        return "Demo assessments already made."
    rng = random.Random(2020)  # noqa: S311  (demo data, not security)
    domains = list(cycle.domains.prefetch_related("criteria").order_by("code"))
    first, second = (User.objects.get(email=e) for e in ("moderator@example.com",
                                                         "moderator2@example.com"))  # fmt: skip
    by_submission: dict = {}
    for assignment in Assignment.objects.filter(
        submission__cycle=cycle, unassigned_at__isnull=True
    ).select_related("submission__ccg", "assessor"):
        by_submission.setdefault(assignment.submission, []).append(assignment.assessor)
    finals = proposed = queued = 0
    for submission, assessors in sorted(by_submission.items(), key=lambda i: i[0].ccg.name):
        if submission.ccg.ods_code == "01F" or len(assessors) < 2:
            continue
        base = [rng.choice((1, 2, 2, 2, 3)) for _ in domains]
        for number, assessor in enumerate(assessors[:2]):
            assessment = services.open_assessment(submission, actor=assessor)
            for domain, score in zip(domains, base, strict=True):
                if number and rng.random() < 0.2:
                    score = max(0, min(3, score + rng.choice((-1, 1))))
                services.save_domain(
                    assessment, domain, score=score,
                    rationale=f"Evidence for domain {domain.code} reviewed (demo).",
                    improvement_points=f"Show the impact of involvement in {domain.name.lower()}.",
                    good_practice="", actor=assessor,
                    findings=[services.FindingInput(c.pk, "met" if score >= 2 else "partly_met", "")
                              for c in domain.criteria.all()],
                )  # fmt: skip
            services.apply_assessment_action(assessment, workflow.Action.SUBMIT, actor=assessor)
        roll = rng.random()
        if roll < 0.35:
            queued += 1
            continue
        record = moderation.open_moderation(submission, actor=first)
        for domain, score in zip(domains, base, strict=True):
            moderation.set_agreed_score(
                record, domain, score=score, reason="Agreed at moderation (demo).", actor=first
            )
        moderation.apply_moderation_action(record, workflow.ModerationAction.PROPOSE, actor=first)
        if roll < 0.45:
            proposed += 1
            continue
        moderation.apply_moderation_action(record, workflow.ModerationAction.CONFIRM, actor=second)
        finals += 1
    return (
        f"Demo moderation: {finals} final ratings, {proposed} proposed, {queued} waiting in "
        "the queue; Halton (01F) is left for the demo assessors."
    )


# The day the demo's 2018/19 results count as published (illustrative: no source gives it).
DEMO_2018_PUBLISHED = date(2019, 7, 31)


def demo_2018_rows(codes: list[str]) -> list[tuple]:
    """The 2018/19 results the demo imports: West Norfolk (07J) as on its real letter
    (A2 B2 C2 D1 E2 = 9 Amber), every other CCG drawn from a fixed seed."""
    rng = random.Random(2018)  # noqa: S311  (demo data, not security)
    rows: list[tuple] = [("ods_code", "A", "B", "C", "D", "E")]
    for code in sorted(codes):
        scores = [rng.choice((1, 1, 2, 2, 2, 3)) for _ in range(5)]
        rows.append((code, *((2, 2, 2, 1, 2) if code == "07J" else scores)))
    return rows


def _import_demo_history() -> str:
    """Published 2018/19 results for every CCG of its register, through the import service
    (the same path as ``import_ratings``), so the history pages and exports have data.
    The second run finds every rating unchanged and writes nothing."""
    from results.services import import_ratings

    past = Cycle.objects.get(label="2018/19")
    codes = list(
        CCG.objects.filter(register_entries__year=past.register_year).values_list(
            "ods_code", flat=True
        )
    )
    report = import_ratings(
        past,
        demo_2018_rows(codes),
        released_on=DEMO_2018_PUBLISHED,
        note="Published result, imported (demo data).",
    )
    return "Demo history: " + report.summary()
