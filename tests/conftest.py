"""Role fixtures shared by the integration and browser tests.

Each role is a real user; CCG roles are tied to ``ccg`` (the user's own CCG) so that
``other_ccg`` is out of their scope.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import CCGRole
from assessment.services import SHIPPED_FRAMEWORKS, load_cycle
from tests.factories import CCGFactory, CCGRoleFactory, UserFactory, authenticator_app


@pytest.fixture
def cycle(db):
    """The 2019/20 cycle as shipped, open for evidence: its window runs around today."""
    cycle = load_cycle(SHIPPED_FRAMEWORKS[1]).cycle
    cycle.phase = cycle.Phase.SUBMISSION
    cycle.submission_opens = timezone.localdate() - timedelta(days=14)
    cycle.submission_deadline = timezone.localdate() + timedelta(days=28)
    cycle.save()
    return cycle


@pytest.fixture
def ccg(db):
    return CCGFactory(name="NHS West Norfolk CCG", ods_code="07J", years=(2019,))


@pytest.fixture
def other_ccg(db):
    return CCGFactory(name="NHS Halton CCG", ods_code="01F", years=(2019,))


def _person(**flags):
    return UserFactory(**flags)


@pytest.fixture
def roles(db, ccg, other_ccg):
    """One user per role, plus users tied to the other CCG and one with no role."""
    lead = CCGRoleFactory(ccg=ccg, role=CCGRole.Role.LEAD, user__full_name="Jo Lead").user
    other_lead = CCGRoleFactory(ccg=other_ccg, role=CCGRole.Role.LEAD).user
    officer = CCGRoleFactory(
        ccg=ccg, role=CCGRole.Role.ACCOUNTABLE_OFFICER, user__full_name="Alex Officer"
    ).user
    other_officer = CCGRoleFactory(ccg=other_ccg, role=CCGRole.Role.ACCOUNTABLE_OFFICER).user
    return SimpleNamespace(
        lead=lead,
        other_lead=other_lead,
        officer=officer,
        other_officer=other_officer,
        assessor=_person(is_assessor=True, full_name="Grace Assessor"),
        moderator=_person(is_moderator=True, full_name="Tom Moderator"),
        admin=_person(is_national_admin=True, full_name="Priya Admin"),
        nobody=_person(full_name="No Role"),
    )


@pytest.fixture(autouse=True)
def force_login_verifies_the_second_factor(monkeypatch):
    """``Client.force_login`` skips the password; for an assessor, moderator or admin it now
    skips the second factor the same way, leaving the session as a real verification does
    (a confirmed authenticator app, its id in the session). Tests of the second factor
    itself sign in with the password form (tests/integration/test_mfa.py)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts import mfa

    real = Client.force_login

    def force_login(self, user, backend=None):
        real(self, user, backend)
        if mfa.needs_multi_factor(user):
            device = authenticator_app(user)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Each test stores files in its own private folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def submission(cycle, ccg, other_ccg):
    from evidence.models import Submission
    from evidence.services import open_submissions

    open_submissions(cycle)
    return Submission.objects.get(cycle=cycle, ccg=ccg)


@pytest.fixture
def other_submission(submission, other_ccg):
    from evidence.models import Submission

    return Submission.objects.get(cycle=submission.cycle, ccg=other_ccg)


@pytest.fixture
def sample_files(tmp_path):
    """One small valid file of each accepted type, keyed by extension (pdf, docx, png...)."""
    from tests.filecorpus import valid_files

    by_type = {}
    for path in valid_files(tmp_path / "valid").values():
        by_type.setdefault(path.suffix[1:], path)
    return by_type


@pytest.fixture
def assigned(submission, roles):
    """The submission submitted and assigned to two assessors (Grace and a second one)."""
    from assessment.models import Assessment, Assignment
    from tests.factories import UserFactory

    submission.status = "submitted"
    submission.submitted_at = timezone.now()
    submission.save()
    second = UserFactory(is_assessor=True, full_name="Sam Second-Assessor")
    unassigned = UserFactory(is_assessor=True, full_name="Una Unassigned")
    for assessor in (roles.assessor, second):
        Assignment.objects.create(submission=submission, assessor=assessor, assigned_by=roles.admin)
        Assessment.objects.create(submission=submission, assessor=assessor)
    return SimpleNamespace(
        submission=submission, first=roles.assessor, second=second, unassigned=unassigned
    )


@pytest.fixture
def assessed(assigned):
    """Both assessments submitted: the first 2,2,2,1,2 (9), the second 2,2,2,3,2 (11)."""
    from assessment import services, workflow

    submission = assigned.submission
    for assessor, scores in ((assigned.first, (2, 2, 2, 1, 2)), (assigned.second, (2, 2, 2, 3, 2))):
        assessment = services.open_assessment(submission, actor=assessor)
        for domain, score in zip(submission.cycle.domains.order_by("code"), scores, strict=True):
            services.save_domain(
                assessment, domain, score=score, rationale=f"Because {score}.",
                improvement_points=f"Improve {domain.code}.", good_practice="",
                findings=[services.FindingInput(c.pk, "met", "") for c in domain.criteria.all()],
                actor=assessor,
            )  # fmt: skip
        services.apply_assessment_action(assessment, workflow.Action.SUBMIT, actor=assessor)
    assigned.moderator2 = UserFactory(is_moderator=True, full_name="Helen Second-Moderator")
    return assigned
