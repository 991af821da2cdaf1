"""Role fixtures shared by the integration and browser tests.

Each role is a real user; CCG roles are tied to ``ccg`` (the user's own CCG) so that
``other_ccg`` is out of their scope.
"""

from types import SimpleNamespace

import pytest

from accounts.models import CCGRole
from assessment.services import SHIPPED_FRAMEWORKS, load_cycle
from tests.factories import CCGFactory, CCGRoleFactory, UserFactory


@pytest.fixture
def cycle(db):
    """The 2019/20 cycle as shipped, open for evidence."""
    cycle = load_cycle(SHIPPED_FRAMEWORKS[1]).cycle
    cycle.phase = cycle.Phase.SUBMISSION
    cycle.save()
    return cycle


@pytest.fixture
def ccg(db):
    return CCGFactory(name="NHS West Norfolk CCG", ods_code="07J")


@pytest.fixture
def other_ccg(db):
    return CCGFactory(name="NHS Halton CCG", ods_code="01F")


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
