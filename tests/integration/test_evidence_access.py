"""Every evidence page for every role: 200, a redirect to sign-in (302), or 404 outside scope.

Pages that change a submission redirect a reader who may only look (the CCG's
accountable officer, the national team) back to the submission with a message (303 is
not used: Django redirects with 302, so those rows say "back").
"""

from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from evidence.models import EvidenceFile, EvidenceItem

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "nobody", "lead", "other_lead", "officer", "other_officer",
         "assessor", "moderator", "admin"]  # fmt: skip

READ = {"anonymous": "login", "nobody": 404, "lead": 200, "other_lead": 404, "officer": 200,
        "other_officer": 404, "assessor": 404, "moderator": 200, "admin": 200}  # fmt: skip
EDIT = {"anonymous": "login", "nobody": 404, "lead": 200, "other_lead": 404, "officer": "back",
        "other_officer": 404, "assessor": 404, "moderator": "back", "admin": "back"}  # fmt: skip
ADMIN_ONLY = {"anonymous": "login", "nobody": 404, "lead": 404, "other_lead": 404,
              "officer": 404, "other_officer": 404, "assessor": 404, "moderator": 404,
              "admin": 200}  # fmt: skip
EVERYONE = dict.fromkeys(ROLES, 200) | {"anonymous": "login"}

EXPECTED = {
    "list": EVERYONE,
    "overview": READ,
    "domain": READ,
    "check": READ,
    "submitted": READ,
    "download": READ,
    "narrative": EDIT,
    "add_link": EDIT,
    "add_file": EDIT,
    "replace_file": EDIT,
    "remove_item": EDIT,
    "extension": ADMIN_ONLY,
    "dashboard": ADMIN_ONLY,
}


@pytest.fixture
def file_item(submission, roles):
    criterion = submission.cycle.domains.get(code="A").criteria.first()
    item = EvidenceItem.objects.create(
        submission=submission, criterion=criterion, kind="file", description="Minutes",
        created_by=roles.lead,
    )  # fmt: skip
    evidence_file = EvidenceFile(
        item=item, revision=1, display_name="minutes.txt", content_type="text/plain",
        size=5, sha256="0" * 64, uploaded_by=roles.lead,
    )  # fmt: skip
    evidence_file.file.save("x.txt", ContentFile(b"hello"), save=True)
    return item


def url_for(name, submission, item):
    kwargs = {"cycle": submission.cycle.slug, "ods_code": submission.ccg.ods_code}
    extra = {
        "domain": {"domain": "A"},
        "narrative": {"domain": "A"},
        "add_link": {"criterion": "A1"},
        "add_file": {"criterion": "A1"},
        "replace_file": {"item": item.pk},
        "remove_item": {"item": item.pk},
        "download": {"file": item.revisions.get().pk},
    }
    if name == "list":
        return reverse("evidence:list")
    if name == "dashboard":
        return reverse("evidence:dashboard", kwargs={"cycle": submission.cycle.slug})
    return reverse(f"evidence:{name}", kwargs={**kwargs, **extra.get(name, {})})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", list(EXPECTED))
def test_evidence_view_answers_each_role(client, roles, submission, file_item, view, role):
    if role != "anonymous":
        client.force_login(getattr(roles, role))
    url = url_for(view, submission, file_item)

    response = client.get(url)

    expected = EXPECTED[view][role]
    if expected == "login":
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("login")
    elif expected == "back":
        assert response.status_code == 302
        assert response["Location"] == submission.get_absolute_url()
    else:
        assert response.status_code == expected


def test_another_ccgs_files_are_not_found_for_a_lead(client, roles, other_submission, file_item):
    """The lead of the other CCG asks for this CCG's file through their own CCG's URL."""
    client.force_login(roles.other_lead)
    url = reverse(
        "evidence:download",
        kwargs={
            "cycle": other_submission.cycle.slug,
            "ods_code": other_submission.ccg.ods_code,
            "file": file_item.revisions.get().pk,
        },
    )
    assert client.get(url).status_code == 404


def test_a_lead_for_another_cycle_only_does_not_see_this_cycle(client, roles, submission, cycle):
    from accounts.models import CCGRole
    from assessment.services import SHIPPED_FRAMEWORKS, load_cycle

    older = load_cycle(SHIPPED_FRAMEWORKS[0]).cycle
    CCGRole.objects.filter(user=roles.lead).update(cycle=older)
    client.force_login(roles.lead)
    assert client.get(submission.get_absolute_url()).status_code == 404
