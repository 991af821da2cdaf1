"""Hostile input, everywhere: script and template syntax in every free-text field, and every
form given nothing, the wrong types, huge values and the same submission twice.

Every test starts from ``world`` of ``test_url_access`` (West Norfolk's whole cycle) and
reaches the pages through the URLconf, so a new page is covered without a change here.

* Script stays text. ``xss_world`` writes ``PAYLOAD`` (a script tag, an attribute
  break-out with an ``onerror`` handler, Django template syntax), through the services or
  the real forms, into every free-text field the world holds: narratives, evidence
  descriptions, a link's address, an uploaded file's name, assessors' rationales,
  improvement points, good practice and criterion notes, a reopening note, clarification
  questions and answers, agreed-score reasons, a send-back comment, review grounds and
  reasons, a conflict's reason, an extension's reason, every text of the letter wording
  and the facts it names, a render run's reason, and everyone's name. Every URL is then
  requested by each role: no HTML answer holds the markup raw, the template syntax is
  never evaluated, and the pages that show a field show it escaped (``expected_on_pages``).
  The letter and summary PDFs (preview and stored) hold it as literal text; the CSV
  exports keep a formula out of the cells they protect; query strings are not reflected.
* Hostile posts are refused and change nothing. Each form, as a user allowed to use it,
  is posted nothing, the wrong types (letters for numbers, unknown choices, 31 2 2021,
  lists), 1 MB strings, NUL characters, and a valid submission twice. The answer must be
  the page with an NHS.UK error summary naming the problem, or a redirect whose next page
  says it, and every table (and the stored files) must be as it was (``snapshot``).
* Junk posted to every URL, by each role that may open it, is never a server error.

Two gaps this test found were closed since: the assignments CSV's e-mail and ODS code
columns are protected too (and read back by the upload), and a new password is at most
128 characters.
"""

import csv
import dataclasses
import io
import re
import subprocess
from datetime import timedelta
from html import unescape
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import User
from assessment import assignments, moderation, reviews, services, workflow
from assessment.models import (
    AgreedScore,
    Assessment,
    Assignment,
    Clarification,
    ConflictDeclaration,
    ModerationEvent,
    Rating,
    ReviewRequest,
)
from evidence import services as evidence
from evidence.filecheck import sanitise_filename
from evidence.models import EvidenceItem, Submission
from letters import services as letters
from letters.forms import WordingForm
from letters.models import Document, LetterSettings, OutboxMessage, RenderRun
from letters.selectors import letter_settings
from letters.wording import LetterWording
from tests.factories import CCGFactory, UserFactory
from tests.integration import test_url_access as url_access
from tests.integration.test_url_access import (
    EXPECTED,
    QUERIES,
    ROLES,
    kwargs_for,
    url_names,
    user_for,
)

pytestmark = pytest.mark.django_db

world = url_access.world  # the fixture: West Norfolk's whole cycle, through the services

SCRIPT = "<script>alert(1)</script>"
PAYLOAD = SCRIPT + '"\'><img src=x onerror=alert(2)>{{7*7}}{% now "Y" %}'
# Letter wording may not hold braces (only the placeholders), so its texts get the markup
# without the template syntax; alert(3) tells them apart.
PLAIN_PAYLOAD = SCRIPT + "\"'><img src=x onerror=alert(3)>"
# An upload's name loses its folders and <>:"|?* (evidence.filecheck); the rest stays.
FILE_NAME = "[file name] <img src=x onerror=alert(4)>'&{{7*7}}{% now Y %}<script>alert(1)<.pdf"
LINK_URL = (
    "https://example.org/page?q=\"'><script>alert(1)</script><img/src=x/onerror=alert(2)>{{7*7}}"
)
RAW_MARKUP = ("<script>alert(", "<img src=x onerror", "<img/src=x/onerror")
# Wherever the handler's text shows, the template syntax after it shows as typed.
EVALUATED = re.compile(r"alert\(2\)(?!&gt;\{\{7\*7\}\}|%3E%7B%7B7)")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULAS = ('=HYPERLINK("https://evil.example/","x")', "+1+1", "-1-1", "@SUM(1)")
MB = 1024 * 1024
HUGE = "A" * MB
# Every kind of user who sees free text, and the assessor with a declared conflict.
XSS_ROLES = ("admin", "moderator", "lead", "officer", "assessor", "conflicted_assessor")


def hostile(tag: str) -> str:
    return f"[{tag}] {PAYLOAD}"


def plain(tag: str) -> str:
    return f"[{tag}] {PLAIN_PAYLOAD}"


def shown(text: str) -> str:
    """``text`` as a page shows it: escaped by the template."""
    return str(escape(text))


# --------------------------------------------------------------------------- page readers


def error_summary(body: str) -> str | None:
    """The text of the NHS.UK error summary, or None when the page has none."""
    start = body.find('class="nhsuk-error-summary"')
    if start < 0:
        return None
    end = body.find("</ul>", start)
    return unescape(re.sub(r"<[^>]+>", " ", body[start:end]))


BANNER = re.compile(r'<p class="nhsuk-notification-banner__heading">(.*?)</p>', re.S)


def banners(body: str) -> str:
    """The messages (notification banners) on a page, as one text."""
    return " | ".join(unescape(text.strip()) for text in BANNER.findall(body))


def is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def pdf_text(data: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-", "-"],  # noqa: S607  (poppler, as the letters tests use it)
        input=data,
        capture_output=True,
        check=True,
    )
    return re.sub(r"\s+", " ", result.stdout.decode())


def markup_problems(where: str, body: str) -> list[str]:
    """Raw markup of the payload, or its template syntax evaluated, in an HTML body."""
    problems = [f"{where}: raw {raw!r}" for raw in RAW_MARKUP if raw in body.lower()]
    if EVALUATED.search(body):
        at = EVALUATED.search(body).start()
        problems.append(f"{where}: template syntax evaluated near {body[at - 40 : at + 60]!r}")
    return problems


# --------------------------------------------------------------------------- database state


SKIPPED_TABLES = {
    "django_session",  # saved on every request (SESSION_SAVE_EVERY_REQUEST)
    # django-axes records every sign-in attempt, refused or not: that is its job.
    "axes_accessattempt",
    "axes_accesslog",
    "axes_accessfailurelog",
    "axes_accessattemptexpiration",
}


def _tables() -> list[str]:
    tables = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    return sorted(tables - SKIPPED_TABLES)


def snapshot() -> dict:
    """Row count and a digest of every row of every table, and the stored files."""
    quote = connection.ops.quote_name
    # The project's own table names, never input.
    sql = " UNION ALL ".join(
        f"SELECT '{table}', count(*), "  # noqa: S608
        f"md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {quote(table)} t"
        for table in _tables()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        state = {table: (count, digest) for table, count, digest in cursor.fetchall()}
    root = Path(django_settings.MEDIA_ROOT)
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    state["<stored files>"] = (len(files), "|".join(files))
    return state


def changes(before: dict, after: dict, *, allowed=()) -> list[str]:
    found = []
    for table, (count, digest) in after.items():
        if table in allowed:
            continue
        old_count, old_digest = before.get(table, (0, ""))
        if count != old_count:
            found.append(f"{table}: {old_count} -> {count} rows")
        elif digest != old_digest:
            found.append(f"{table}: rows changed")
    return found


# --------------------------------------------------------------------------- the xss world


def post_ok(client, user, url, data, what):
    client.force_login(user)
    response = client.post(url, data)
    assert response.status_code == 302, (
        f"{what}: {response.status_code} {error_summary(response.content.decode())}"
    )
    return response


def date_fields(name, day) -> dict:
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


def wording_data(cycle, **overrides) -> dict:
    """The wording form as the page fills it in (the settings in force), with overrides."""
    data = {}
    for name, value in WordingForm.initial_from(letter_settings(cycle)).items():
        if name == "letter_date":
            data.update(date_fields(name, value))
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    data.update(overrides)
    return data


HOSTILE_FACTS = {
    "framework_name": hostile("framework"),
    "indicator_name": hostile("indicator"),
    "guidance_section": "<script>alert(1)",  # 20 characters at most
    "guidance_title": hostile("guidance title"),
}
LITERAL_WORDING = {"sender_lines", "signatory_title_lines"}  # may hold braces


def hostile_wording() -> dict:
    """Every text of LetterWording: the full payload where braces are allowed, else plain."""
    values = {}
    for field in dataclasses.fields(LetterWording):
        if field.type in ("bool", "int") or field.name == "amber_offer_bands":
            continue  # the bands stay Red and Amber, so that the session is offered
        values[field.name] = (
            hostile(f"wording {field.name}")
            if field.name in LITERAL_WORDING
            else plain(f"wording {field.name}")
        )
    # The facts reach the letter through the placeholders.
    values["subject"] += " {framework_name} {indicator_name}"
    values["scoring_note"] += " {guidance_section} of the {guidance_title}"
    return values


def filled(text: str) -> str:
    for name, value in HOSTILE_FACTS.items():
        text = text.replace("{" + name + "}", value)
    return text


@pytest.fixture
def xss_world(request, client, cycle, submission, other_ccg, roles, sample_files):
    """``world`` with ``PAYLOAD`` in every free-text field it holds."""
    lead, admin = roles.lead, roles.admin
    # While the evidence is a draft: the narratives and the extension.
    for domain in cycle.domains.order_by("code"):
        evidence.save_narrative(
            submission, domain, hostile(f"narrative {domain.code}"), actor=lead,
            expected_version=0,
        )  # fmt: skip
    evidence.grant_extension(
        submission, until=cycle.submission_deadline + timedelta(days=7),
        reason=hostile("extension reason"), actor=admin,
    )  # fmt: skip

    w = request.getfixturevalue("world")
    slug, code = cycle.slug, submission.ccg.ods_code
    at = {"cycle": slug, "ods_code": code}
    # The lead adds evidence to the criterion of the open clarification, through the forms.
    post_ok(
        client, lead, reverse("evidence:add_link", kwargs={**at, "criterion": w.criterion.code}),
        {"url": LINK_URL, "description": hostile("link description")}, "add a link",
    )  # fmt: skip
    post_ok(
        client, lead, reverse("evidence:add_file", kwargs={**at, "criterion": w.criterion.code}),
        {"file": SimpleUploadedFile(FILE_NAME, sample_files["pdf"].read_bytes()),
         "description": hostile("file description")}, "add a file",
    )  # fmt: skip
    detail = {**at, "pk": w.clarification.pk}
    post_ok(
        client, lead, reverse("clarifications:detail", kwargs=detail),
        {"answer": hostile("first answer")}, "answer",
    )  # fmt: skip
    second = cycle.domains.get(code="A").criteria.order_by("position")[1]
    post_ok(
        client, roles.assessor,
        reverse("clarifications:ask", kwargs={**at, "criterion": second.code}),
        {"question": hostile("question")}, "ask",
    )  # fmt: skip
    asked = Clarification.objects.get(criterion=second, submission=submission)
    post_ok(
        client, lead, reverse("clarifications:detail", kwargs={**at, "pk": asked.pk}),
        {"answer": hostile("answer")}, "answer",
    )  # fmt: skip

    # Both assessments again, with the payload in every text (same scores).
    assessments = list(Assessment.objects.filter(submission=submission).order_by("pk"))
    rating = Rating.objects.get(submission=submission)
    for assessment in assessments:
        services.apply_assessment_action(
            assessment, workflow.Action.REOPEN, actor=admin, note=hostile("reopen note")
        )
        scores = {s.domain.code: s.score for s in assessment.domain_scores.select_related("domain")}
        for domain in cycle.domains.order_by("code"):
            criteria = list(domain.criteria.order_by("position"))
            services.save_domain(
                assessment, domain, score=scores[domain.code],
                rationale=hostile(f"rationale {domain.code}"),
                improvement_points=hostile(f"improvement {domain.code}"),
                good_practice=hostile(f"good practice {domain.code}"),
                findings=[
                    services.FindingInput(
                        c.pk, "partly_met" if c == criteria[0] else "met", hostile(f"note {c.code}")
                    )
                    for c in criteria
                ],
                actor=assessment.assessor,
            )  # fmt: skip
        services.apply_assessment_action(
            assessment, workflow.Action.SUBMIT, actor=assessment.assessor
        )

    # Moderation: agreed scores with reasons, proposed, sent back with a comment.
    moderator2 = rating.confirmed_by
    opened = moderation.open_moderation(submission, actor=roles.moderator)
    for domain in cycle.domains.order_by("code"):
        moderation.set_agreed_score(
            opened, domain, score=rating.scores[domain.code],
            reason=hostile(f"agreed reason {domain.code}"), actor=roles.moderator,
        )  # fmt: skip
    moderation.apply_moderation_action(opened, moderation.Action.PROPOSE, actor=roles.moderator)
    moderation.apply_moderation_action(
        opened, moderation.Action.SEND_BACK, actor=moderator2, note=hostile("send back")
    )

    # The review decided by a moderator who took no part, then another one asked for.
    reviewer = UserFactory(is_moderator=True)
    decided = w.review
    reviews.decide_review(
        decided, scores=dict(rating.scores), reasons=hostile("review reasons"), actor=reviewer
    )
    w.decided_review = decided
    w.review = reviews.request_review(
        submission, grounds=hostile("review grounds"), actor=roles.officer
    )

    # A second conflict of interest, with the payload as its reason.
    w.conflict = assignments.declare_conflict(
        w.conflicted, cycle, ccg=other_ccg,
        reason=hostile("conflict reason"), actor=w.conflicted,
    ).declaration  # fmt: skip

    # The letters: wording through the real form, then rendered again.
    post_ok(
        client, admin, reverse("letters:wording", kwargs={"cycle": slug}),
        wording_data(cycle, **hostile_wording(), **HOSTILE_FACTS), "save the wording",
    )  # fmt: skip
    run = letters.start_run(cycle, actor=admin, reason=hostile("run reason"), enqueue=False)
    for job in run.jobs.all():
        letters.render_job(job.pk)
    w.run = run
    w.letter = Document.objects.get(submission=submission, kind="letter", superseded_by=None)
    w.summary = Document.objects.get(submission=submission, kind="summary", superseded_by=None)
    w.message = OutboxMessage.objects.get(document=w.letter)

    # Everyone's name, led by a spreadsheet formula for the CSV exports.
    for index, user in enumerate(User.objects.order_by("pk")):
        user.full_name = f"{FORMULAS[index % 4]} {hostile(f'name {index}')}"[:200]
        user.save(update_fields=["full_name"])
    w.reviewer, w.moderator2 = reviewer, moderator2
    w.first_clarification, w.clarification = w.clarification, asked
    client.logout()
    return w


# Pages that show a field, as a role that may see it: the field must be there, escaped.
def expected_on_pages(w, roles) -> dict[tuple[str, str], list[str]]:
    criterion = w.criterion.code
    display_name = sanitise_filename(FILE_NAME)
    return {
        ("lead", "evidence:domain"): [
            hostile("narrative A"), hostile("link description"), hostile("file description"),
            display_name, LINK_URL,
        ],
        ("lead", "evidence:overview"): [hostile("extension reason")],
        ("lead", "evidence:check"): [hostile(f"narrative {c}") for c in "ABCDE"],
        ("lead", "clarifications:list"): [hostile("question"), hostile("answer")],
        ("lead", "clarifications:detail"): [hostile("question"), hostile("answer")],
        ("assessor", "assessors:domain"): [
            hostile("rationale A"), hostile("improvement A"), hostile("good practice A"),
            hostile(f"note {criterion}"), hostile("narrative A"), hostile("link description"),
        ],
        ("assessor", "assessors:overview"): [hostile("rationale A")],
        ("moderator", "moderation:moderate"): [
            hostile("agreed reason D"), hostile("rationale D"), hostile("send back"),
        ],
        ("moderator", "reviews:decide"): [hostile("review grounds")],
        ("admin", "audit:submission"): [
            hostile("question"), hostile("answer"), hostile("review grounds"),
            hostile("review reasons"), hostile("send back"), hostile("rationale A"),
            hostile("extension reason"), hostile("run reason"), hostile("reopen note"),
        ],
        ("admin", "evidence:overview"): [hostile("extension reason")],
        ("admin", "assignments:cycle"): [User.objects.get(pk=roles.assessor.pk).full_name],
        ("conflicted_assessor", "assignments:conflicts"): [hostile("conflict reason")],
        # Every other domain's good practice is a proposal, flagged by a hostile name.
        ("moderator", "library:review"): [
            hostile("good practice B"), hostile("good practice E"),
            User.objects.get(pk=roles.assessor.pk).full_name,
        ],
        ("admin", "letters:run"): [hostile("run reason")],
        ("admin", "letters:cycle"): [hostile("run reason")],
        ("admin", "letters:message"): [hostile("run reason")],  # the e-mail, as it will go
        ("admin", "letters:versions"): [hostile("run reason")],
        ("admin", "letters:wording"): [
            *hostile_wording().values(),
            HOSTILE_FACTS["framework_name"],
        ],
    }  # fmt: skip


def resolved_urls(w) -> dict[str, str]:
    urls = {}
    for name, pattern in url_names():
        try:
            urls[name] = reverse(name, kwargs=kwargs_for(pattern, w, name)) + QUERIES.get(name, "")
        except KeyError:
            continue  # an argument test_url_access does not know yet: its test says so
    return urls


def test_script_in_every_free_text_field_stays_text(client, roles, xss_world):
    w = xss_world
    urls = resolved_urls(w)
    extra = {  # the second of each: the first answer, the decided review
        "clarifications:detail#first": reverse(
            "clarifications:detail",
            kwargs={
                "cycle": w.submission.cycle.slug,
                "ods_code": "07J",
                "pk": w.first_clarification.pk,
            },
        ),
        "reviews:decide#decided": reverse(
            "reviews:decide", kwargs={"cycle": w.submission.cycle.slug, "pk": w.decided_review.pk}
        ),
    }
    expected = expected_on_pages(w, roles)
    expected[("moderator", "reviews:decide#decided")] = [hostile("review reasons")]
    expected[("lead", "clarifications:detail#first")] = [hostile("first answer")]
    problems, seen = [], set()
    for role in XSS_ROLES:
        client.logout()
        client.force_login(user_for(role, roles, w))
        for name, url in {**urls, **extra}.items():
            response = client.get(url)
            where = f"{name} as {role}"
            if response.status_code >= 500:
                problems.append(f"{where}: {response.status_code}")
                continue
            if response.get("X-Content-Type-Options") != "nosniff":
                problems.append(f"{where}: no X-Content-Type-Options: nosniff")
            if re.search(r"[\r\n]", response.get("Content-Disposition", "")):
                problems.append(f"{where}: a line break in Content-Disposition")
            data = body_of(response)
            kind = response.get("Content-Type", "")
            if kind.startswith("text/html"):
                body = data.decode()
                problems += markup_problems(where, body)
                for text in expected.get((role, name), ()):
                    seen.add((role, name))
                    if shown(text) not in body:
                        problems.append(f"{where}: {text[:40]!r} not shown escaped")
            elif kind.startswith("application/pdf") and name.startswith("letters:"):
                text = pdf_text(data)  # a letter or a summary: the payload is literal text
                if "alert(2)" not in text or re.search(r"alert\(2\)(?!>\{\{7\*7\}\})", text):
                    problems.append(f"{where}: the PDF does not hold the payload as typed")
    missing = {key for key in expected if key not in seen}
    assert not missing, f"pages that should show the payload did not answer 200: {missing}"
    assert problems == [], "\n".join(problems)


def test_the_pdfs_hold_the_payload_as_text(client, roles, xss_world):
    w = xss_world
    slug = w.submission.cycle.slug
    client.force_login(roles.admin)
    preview = reverse("letters:preview", kwargs={"cycle": slug})
    letter = pdf_text(body_of(client.get(preview + "?ccg=07J&kind=letter")))
    summary = pdf_text(body_of(client.get(preview + "?ccg=07J&kind=summary")))
    client.force_login(roles.officer)
    stored_letter = client.get(reverse("letters:download", kwargs={"pk": w.letter.pk}))
    client.force_login(roles.lead)
    stored_summary = client.get(reverse("letters:download", kwargs={"pk": w.summary.pk}))
    assert stored_letter.status_code == stored_summary.status_code == 200

    wording = hostile_wording()
    for name, text in (("preview", letter), ("stored", pdf_text(body_of(stored_letter)))):
        missing = [field for field, value in wording.items() if filled(value) not in text]
        assert missing == [], f"{name} letter lacks {missing}"
        assert "49" not in text.replace("{{7*7}}", "")
    for name, text in (("preview", summary), ("stored", pdf_text(body_of(stored_summary)))):
        for value in (hostile("improvement A"), hostile(f"note {w.criterion.code}")):
            assert value in text, f"{name} summary lacks {value!r}"
        assert wording["sender_lines"] in text


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body_of(response).decode())))


def test_csv_exports_keep_formulas_out_of_the_cells_they_protect(client, roles, xss_world):
    w = xss_world
    slug = w.submission.cycle.slug
    client.force_login(roles.admin)
    export = csv_rows(client.get(reverse("assignments:export", kwargs={"cycle": slug})))
    audit = csv_rows(
        client.get(reverse("audit:submission", kwargs={"cycle": slug, "ods_code": "07J"})
                   + "?format=csv")
    )  # fmt: skip
    assert export and audit
    names = {row["assessor_name"] for row in export}
    assert all(name.startswith("'") and PAYLOAD in name for name in names), names
    cells = [row[c] for row in export for c in ("ccg_name", "nhs_region", "assessor_name")]
    cells += [row[c] for row in audit for c in ("when", "kind", "who", "what")]
    assert [cell for cell in cells if cell.startswith(FORMULA_START)] == []
    assert any(hostile("review grounds") in row["what"] for row in audit)


def test_the_assignment_export_protects_the_email_column_too(client, roles, world):
    roles.assessor.email = "=cmd|'/Ccalc'!A0@example.com"
    roles.assessor.save(update_fields=["email"])
    client.force_login(roles.admin)
    slug = world.submission.cycle.slug
    export = csv_rows(client.get(reverse("assignments:export", kwargs={"cycle": slug})))
    assert not [row for row in export if row["assessor_email"].startswith(FORMULA_START)]


def test_hostile_query_strings_are_not_reflected(client, roles, world):
    query = "?" + urlencode(
        dict.fromkeys(("next", "q", "page", "kind", "ccg", "year", "region", "stp"), PAYLOAD)
    )
    problems = []
    for role in ("anonymous", "admin", "lead"):
        client.logout()
        if role != "anonymous":
            client.force_login(user_for(role, roles, world))
        for name, url in resolved_urls(world).items():
            response = client.get(url.split("?")[0] + query)
            if response.status_code >= 500:
                problems.append(f"{name} as {role}: {response.status_code}")
            elif is_html(response):
                problems += markup_problems(f"{name} as {role}", body_of(response).decode())
    assert problems == [], "\n".join(problems)


# --------------------------------------------------------------------------- hostile posts


class Poster:
    """Posts as a user and judges each answer: a clear error, and nothing changed.

    Problems are collected, so that one run lists every form that misbehaves."""

    def __init__(self, client):
        self.client = client
        self.problems: list[str] = []
        self.user = None

    def as_user(self, user):
        if user is not self.user:
            self.client.logout()
            if user is not None:
                self.client.force_login(user)
            self.user = user
        return self

    def answer(self, response) -> tuple[str, str]:
        """(how, text): the error summary of a page, or the messages after a redirect."""
        status = response.status_code
        if status == 200 and is_html(response):
            body = response.content.decode()
            summary = error_summary(body)
            return ("summary", summary) if summary is not None else ("page", unescape(body))
        if status == 302:
            location = response["Location"]
            if location.startswith(reverse("login")):
                return "sign-in", location
            return "message", banners(self.client.get(location).content.decode())
        if status == 400:
            return "400", unescape(response.content.decode())
        return str(status), ""

    def refused(self, what, url, data, expect, *, how=("summary", "message"), allowed=()):
        """An invalid post: answered ``how``, saying each of ``expect``; nothing changed
        (but the tables in ``allowed``, where a repeat may rewrite a row as it was)."""
        before = snapshot()
        response = self.client.post(url, data() if callable(data) else data)
        after = snapshot()
        got, text = self.answer(response)
        if got not in how:
            self.problems.append(f"{what}: answered {got} ({response.status_code}) {text[:200]}")
        expects = (expect,) if isinstance(expect, str) else expect
        missing = [e for e in expects if e.lower() not in text.lower()]
        if missing:
            self.problems.append(f"{what}: {got} does not say {missing}: {text[:300]!r}")
        if is_html(response):
            self.problems += markup_problems(what, response.content.decode())
        self.problems += [f"{what}: changed {c}" for c in changes(before, after, allowed=allowed)]

    def refuse_each(self, url, cases, **kwargs):
        for what, data, expect in cases:
            self.refused(what, url, data, expect, **kwargs)

    def accepted(self, what, url, data, expect=""):
        response = self.client.post(url, data() if callable(data) else data)
        got, text = self.answer(response)
        if response.status_code != 302 or expect.lower() not in text.lower():
            self.problems.append(f"{what}: expected a redirect saying {expect!r}, got {got} {text}")

    def twice(self, what, url, data, first, again, **kwargs):
        """A valid post, then the same again: the second changes nothing and says why.
        ``data`` may be a function, for uploads (each post needs its own file)."""
        self.accepted(what, url, data, first)
        self.refused(f"{what}, again", url, data, again, **kwargs)


def assessed_ccg(cycle, admin):
    """A CCG assessed by two new assessors (9 and 11, domain D apart), not yet moderated."""
    ccg = CCGFactory(name="NHS Ready CCG", years=(2019,))
    evidence.open_submissions(cycle)
    Submission.objects.filter(cycle=cycle, ccg=ccg).update(
        status="submitted", submitted_at=timezone.now()
    )
    submission = Submission.objects.get(cycle=cycle, ccg=ccg)
    for d_score in (1, 3):
        assessor = UserFactory(is_assessor=True)
        assignments.assign(submission, assessor, actor=admin)
        assessment = services.open_assessment(submission, actor=assessor)
        for domain in cycle.domains.order_by("code"):
            services.save_domain(
                assessment, domain, score=d_score if domain.code == "D" else 2,
                rationale="Because.", improvement_points="", good_practice="",
                findings=[services.FindingInput(c.pk, "met", "") for c in domain.criteria.all()],
                actor=assessor,
            )  # fmt: skip
        services.apply_assessment_action(assessment, workflow.Action.SUBMIT, actor=assessor)
    return submission


@pytest.fixture
def scene(world, cycle, roles, other_submission, sample_files):
    """``world`` plus what the forms need: two more submitted CCGs (the third assigned to
    Grace), an assessed CCG to moderate, a file in Halton's draft, and a moderator who took
    no part in West Norfolk's rating."""
    extra = []
    for n in (3, 4):
        ccg = CCGFactory(name=f"NHS Extra {n} CCG", years=(2019,))
        evidence.open_submissions(cycle)
        extra.append(Submission.objects.get(cycle=cycle, ccg=ccg))
    Submission.objects.filter(pk__in=[s.pk for s in extra]).update(
        status="submitted", submitted_at=timezone.now()
    )
    world.third, world.fourth = (Submission.objects.get(pk=s.pk) for s in extra)
    assignments.assign(world.third, roles.assessor, actor=roles.admin)
    world.ready = assessed_ccg(cycle, roles.admin)
    world.halton = other_submission
    world.sample = sample_files["pdf"].read_bytes()
    world.halton_item = evidence.add_file(
        other_submission, world.criterion, upload=upload("existing.pdf", world.sample),
        description="Existing file", actor=roles.other_lead,
    )  # fmt: skip
    world.reviewer = UserFactory(is_moderator=True, full_name="Rita Reviewer")
    return world


@pytest.fixture
def poster(client):
    return Poster(client)


def upload(name, content: bytes):
    return SimpleUploadedFile(name, content)


def page(cycle, name, ods_code=None, **kwargs) -> str:
    kwargs["cycle"] = cycle.slug
    if ods_code is not None:
        kwargs["ods_code"] = ods_code
    return reverse(name, kwargs=kwargs)


def test_evidence_forms_refuse_hostile_posts(poster, cycle, roles, scene, settings):
    p, w, sample = poster, scene, scene.sample
    p.as_user(roles.other_lead)  # Halton's draft
    narrative = page(cycle, "evidence:narrative", "01F", domain="A")
    p.refuse_each(narrative, [
        ("narrative: nothing", {}, "This field is required"),
        ("narrative: version letters", {"text": "x", "version": "abc"}, "Enter a whole number"),
        ("narrative: version -1", {"text": "x", "version": "-1"}, "greater than or equal to 0"),
        ("narrative: version of none", {"text": "x", "version": "7"}, "This form is out of date"),
        ("narrative: version list", {"text": "x", "version": ["0", "x"]}, "Enter a whole number"),
        ("narrative: 1 MB", {"text": HUGE, "version": "0"}, "10,000 characters or fewer"),
        ("narrative: NUL", {"text": "a\x00b", "version": "0"}, "Null characters are not allowed"),
    ])  # fmt: skip
    p.twice("narrative", narrative, {"text": "What we did.", "version": "0"},
            "Narrative for domain A saved", "saved a newer version")  # fmt: skip

    add_link = page(cycle, "evidence:add_link", "01F", criterion="A2")
    link = {"url": "https://example.org/minutes", "description": "Minutes"}
    not_http = "Enter a web address that starts with https://"
    p.refuse_each(add_link, [
        ("link: nothing", {}, ("Enter the web address of the page", "Describe this evidence")),
        ("link: javascript:", {**link, "url": "javascript:alert(1)"}, not_http),
        ("link: data:", {**link, "url": f"data:text/html,{SCRIPT}"}, not_http),
        ("link: no host", {**link, "url": "https://"}, not_http),
        ("link: list", {**link, "url": ["https://example.org/", "javascript:alert(1)"]}, not_http),
        ("link: 1 MB url", {**link, "url": "https://example.org/" + HUGE}, "at most 2000"),
        ("link: 1 MB description", {**link, "description": HUGE}, "at most 500 characters"),
        ("link: NUL", {**link, "description": "a\x00"}, "Null characters are not allowed"),
    ])  # fmt: skip
    p.twice("link", add_link, link, "Link added to A2", "already has this link")

    add_file = page(cycle, "evidence:add_file", "01F", criterion="B1")
    p.refuse_each(add_file, [
        ("file: nothing", {}, ("Select a file to upload", "Describe this evidence")),
        ("file: text", {"file": "minutes.pdf", "description": "x"}, "Select a file to upload"),
        ("file: program", {"file": upload("tool.exe", b"MZ\x90\x00"), "description": "x"},
         "tool.exe was not accepted: files of this type are not accepted"),
        ("file: HTML as .pdf", {"file": upload("report.pdf", SCRIPT.encode()), "description": "x"},
         "report.pdf was not accepted"),
        ("file: empty", {"file": upload("empty.pdf", b""), "description": "x"},
         "empty.pdf was not accepted: it is empty"),
        ("file: 1 MB description", {"file": upload("ok.pdf", sample), "description": HUGE},
         "at most 500 characters"),
    ])  # fmt: skip
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 100
    p.refused("file: over the limit", add_file,
              {"file": upload("big.pdf", sample), "description": "x"},
              "big.pdf was not accepted: it is larger than the 100 bytes limit")  # fmt: skip
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 25 * MB
    p.twice("file", add_file, lambda: {"file": upload("board.pdf", sample), "description": "B"},
            "board.pdf added to B1", "already has board.pdf")  # fmt: skip

    replace = page(cycle, "evidence:replace_file", "01F", item=w.halton_item.pk)
    p.refuse_each(replace, [
        ("replace: nothing", {}, "Select a file to upload"),
        ("replace: program", {"file": upload("tool.exe", b"MZ\x90\x00")}, "tool.exe was not"),
    ])  # fmt: skip
    p.twice("replace", replace, lambda: {"file": upload("v2.pdf", sample + b"\n%v2\n")},
            "v2.pdf is now revision 2", "same as the current version")  # fmt: skip
    remove = page(cycle, "evidence:remove_item", "01F", item=w.halton_item.pk)
    p.twice("remove", remove, {"junk": HUGE[:1000]}, "Evidence removed from A1",
            "already been removed")  # fmt: skip

    check = page(cycle, "evidence:check", "01F")
    p.refused("submit: incomplete", check, {"status": "submitted"}, "Write the narrative for")
    for domain in cycle.domains.exclude(code="A"):
        evidence.save_narrative(w.halton, domain, "Done.", actor=roles.other_lead,
                                expected_version=0)  # fmt: skip
    p.twice("submit", check, {"junk": "x"}, "", "has already been submitted")

    p.as_user(roles.admin)
    extension = page(cycle, "evidence:extension", "07J")
    valid = {**date_fields("until", cycle.submission_deadline + timedelta(days=10)),
             "reason": "Board meeting moved"}  # fmt: skip
    p.refused("extension: nothing", extension, {},
              ("Enter the new deadline", "Enter the reason for the extension"))  # fmt: skip
    for day, month, year in (("31", "2", "2021"), ("ab", "cd", "ef"), ("1", "1", "99999"),
                             ("9" * 5000, "1", "2021"), (["1", "x"], "1", "2021")):  # fmt: skip
        p.refused(f"extension: {str(day)[:8]} {month} {year}", extension,
                  {**valid, "until_day": day, "until_month": month, "until_year": year},
                  "The new deadline must be a real date")  # fmt: skip
    p.refuse_each(extension, [
        ("extension: before the deadline", {**valid, **date_fields(
            "until", cycle.submission_deadline)}, "must end after the deadline"),
        ("extension: 1 MB reason", {**valid, "reason": HUGE}, "at most 2000 characters"),
    ])  # fmt: skip
    p.twice("extension", extension, valid, "can now submit until", "can now submit until",
            how=("message",))  # fmt: skip

    assert p.problems == [], "\n".join(p.problems)
    halton = EvidenceItem.objects.filter(submission=w.halton)
    assert sorted(halton.filter(removed_at=None).values_list("description", flat=True)) == [
        "B", "Minutes",
    ]  # fmt: skip
    assert w.halton_item.revisions.count() == 2


def test_assessing_forms_refuse_hostile_posts(poster, cycle, roles, scene):
    p, w = poster, scene
    p.as_user(roles.assessor)  # the third CCG: assigned, not yet assessed
    third = w.third.ccg.ods_code
    criteria = list(cycle.domains.get(code="A").criteria.order_by("position"))
    scoring = page(cycle, "assessors:domain", third, domain="A")
    p.client.get(scoring)  # opens the assessment, as the page does
    valid = {"score": "2", "rationale": "Good.", "improvement_points": "", "good_practice": "",
             **{f"finding_{c.pk}": "met" for c in criteria}}  # fmt: skip
    finding, note = f"finding_{criteria[0].pk}", f"note_{criteria[0].pk}"
    p.refuse_each(scoring, [
        ("score: letters", {**valid, "score": "abc"}, "Select a valid choice"),
        ("score: 7", {**valid, "score": "7"}, "Select a valid choice"),
        ("score: 2.0", {**valid, "score": "2.0"}, "Select a valid choice"),
        ("score: list", {**valid, "score": ["2", "x"]}, "Select a valid choice"),
        ("score: no rationale", {**valid, "rationale": " "}, "Give the rationale for your score"),
        ("score: finding maybe", {**valid, finding: "maybe"}, "Select a valid choice"),
        ("score: 1 MB rationale", {**valid, "rationale": HUGE}, "at most 5000 characters"),
        ("score: 1 MB improvement", {**valid, "improvement_points": HUGE}, "at most 5000"),
        ("score: 1 MB good practice", {**valid, "good_practice": HUGE}, "at most 5000"),
        ("score: 1 MB note", {**valid, note: HUGE}, "at most 2000 characters"),
        ("score: NUL", {**valid, "rationale": "\x00"}, "Null characters are not allowed"),
    ])  # fmt: skip
    # Saving the same draft again rewrites its rows as they were (updated_at moves).
    p.twice(
        "score",
        scoring,
        valid,
        "Domain A saved as a draft",
        "Domain A saved as a draft",
        how=("message",),
        allowed=("assessment_domainscore", "assessment_criterionfinding"),
    )
    submit = page(cycle, "assessors:submit", third)
    p.refused("assessment submit: incomplete", submit, {}, "Score domain B")
    assessment = Assessment.objects.get(submission=w.third, assessor=roles.assessor)
    for domain in cycle.domains.exclude(code="A"):
        services.save_domain(
            assessment, domain, score=2, rationale="Fine.", improvement_points="",
            good_practice="", actor=roles.assessor,
            findings=[services.FindingInput(c.pk, "met", "") for c in domain.criteria.all()],
        )  # fmt: skip
    p.twice("assessment submit", submit, {"junk": HUGE[:100]}, "Assessment submitted",
            "already submitted")  # fmt: skip

    ask = page(cycle, "clarifications:ask", "07J", criterion="A2")
    p.refuse_each(ask, [
        ("ask: nothing", {}, "Enter your question"),
        ("ask: spaces", {"question": "   \n "}, "Enter your question"),
        ("ask: 1 MB", {"question": HUGE}, "2,000 characters or fewer"),
        ("ask: NUL", {"question": "why\x00"}, "Null characters are not allowed"),
        ("ask: off-site next", {"question": "", "next": "https://evil.example/"}, "Enter your"),
    ])  # fmt: skip
    p.twice("ask", ask, {"question": "Which meetings?"}, "Your question on A2 has been sent",
            "already waiting")  # fmt: skip
    detail = page(cycle, "clarifications:detail", "07J", pk=w.clarification.pk)
    p.as_user(roles.officer)
    p.refused("answer as the officer", detail, {"answer": "Here."},
              "Only the CCG's engagement lead can answer")  # fmt: skip
    p.as_user(roles.lead)
    p.refuse_each(detail, [
        ("answer: nothing", {}, "Enter your answer"),
        ("answer: 1 MB", {"answer": HUGE}, "5,000 characters or fewer"),
        ("answer: NUL", {"answer": "\x00"}, "Null characters are not allowed"),
    ])  # fmt: skip
    p.twice("answer", detail, {"answer": "The board."}, "Your answer has been sent",
            "already been answered")  # fmt: skip

    p.as_user(roles.moderator)  # the assessed CCG
    moderate = page(cycle, "moderation:moderate", w.ready.ccg.ods_code)
    p.client.get(moderate)  # opens the moderation, as the page does
    agreed = {"score_A": "2", "score_B": "2", "score_C": "2", "score_D": "1", "score_E": "2",
              "reason_D": "As the first assessor."}  # fmt: skip
    p.refuse_each(moderate, [
        ("agreed: nothing", {}, "Choose the agreed score for domain A"),
        ("agreed: letters", {**agreed, "score_A": "abc"}, "Select a valid choice"),
        ("agreed: 9", {**agreed, "score_A": "9"}, "Select a valid choice"),
        ("agreed: -1", {**agreed, "score_A": "-1"}, "Select a valid choice"),
        ("agreed: list", {**agreed, "score_A": ["2", "x"]}, "Select a valid choice"),
        ("agreed: 1 MB reason", {**agreed, "reason_D": HUGE}, "at most 2000 characters"),
        ("agreed: NUL reason", {**agreed, "reason_D": "\x00"}, "Null characters are not allowed"),
        # A-C are valid: none of them may be saved when D is refused.
        ("agreed: D without its reason", {**agreed, "reason_D": ""}, "so give the reason"),
        ("agreed: unknown action", {"action": "delete"}, "Choose the agreed score for domain A"),
        ("propose before agreeing", {"action": "propose"}, "Set the agreed score of domain"),
    ])  # fmt: skip
    p.twice("agreed scores", moderate, agreed, "Agreed scores saved", "Agreed scores saved",
            how=("message",), allowed=("assessment_agreedscore",))  # fmt: skip
    p.twice("propose", moderate, {"action": "propose"}, "Rating proposed", "already been proposed")
    p.refused("confirm own proposal", moderate, {"action": "confirm"},
              "A second moderator must confirm")  # fmt: skip
    p.as_user(Rating.objects.get(submission=w.submission).confirmed_by)  # a second moderator
    p.refuse_each(moderate, [
        ("send back: no comment", {"action": "send_back"}, "Say why you are sending the rating"),
        ("send back: 1 MB", {"action": "send_back", "comment": HUGE}, "at most 2000 characters"),
    ])  # fmt: skip
    p.twice("confirm", moderate, {"action": "confirm"}, "Rating confirmed and final",
            "already final")  # fmt: skip
    bulk = reverse("moderation:bulk", kwargs={"cycle": cycle.slug})
    p.client.get(reverse("moderation:queue", kwargs={"cycle": cycle.slug}))  # draws the sample
    p.refused("bulk: unknown action", bulk, {"action": ["x", HUGE]}, "Proposed 0 ratings")
    p.as_user(roles.admin)
    p.refused("bulk as admin", bulk, {"action": "confirm"}, "Only moderators can")

    p.as_user(roles.officer)  # West Norfolk's review, open in the world
    request_review = page(cycle, "reviews:request", "07J")
    p.refuse_each(request_review, [
        ("review request: nothing", {}, "Give the grounds for the review"),
        ("review request: 1 MB", {"grounds": HUGE}, "at most 5000 characters"),
        ("review request: one is open", {"grounds": "Again."}, "already been requested"),
    ])  # fmt: skip
    decide = reverse("reviews:decide", kwargs={"cycle": cycle.slug, "pk": w.review.pk})
    valid = {**{f"score_{c}": str(s) for c, s in w.review.rating.scores.items()},
             "reasons": "The evidence supports the scores."}  # fmt: skip
    p.as_user(roles.moderator)
    p.refused("decide: took part", decide, valid, "You took part in this rating")
    p.as_user(w.reviewer)
    p.refuse_each(decide, [
        ("decide: nothing", {}, ("Give the reasons for the outcome", "Choose the score for")),
        ("decide: letters", {**valid, "score_A": "x"}, "Select a valid choice"),
        ("decide: 4", {**valid, "score_A": "4"}, "Select a valid choice"),
        ("decide: 1.5", {**valid, "score_A": "1.5"}, "Select a valid choice"),
        ("decide: list", {**valid, "score_A": ["2", "x"]}, "Select a valid choice"),
        ("decide: no score", {**valid, "score_A": ""}, "Choose the score for domain A"),
        ("decide: 1 MB", {**valid, "reasons": HUGE}, "at most 5000 characters"),
    ])  # fmt: skip
    p.twice("decide", decide, valid, "Review decided", "already been decided")
    p.as_user(roles.officer)
    p.twice("review request", request_review, {"grounds": "Domain B too."},
            "Your request for a review has been sent", "already been requested")  # fmt: skip

    assert p.problems == [], "\n".join(p.problems)
    assert AgreedScore.objects.filter(moderation__submission=w.ready).count() == 5
    assert ModerationEvent.objects.filter(moderation__submission=w.ready).count() == 5 + 2
    assert Rating.objects.filter(submission=w.ready).count() == 1
    assert Clarification.objects.filter(submission=w.submission).count() == 2
    assert ReviewRequest.objects.filter(submission=w.submission).count() == 2


def test_assignment_forms_refuse_hostile_posts(poster, cycle, roles, scene):
    p, w = poster, scene
    p.as_user(roles.admin)
    assign = reverse("assignments:assign", kwargs={"cycle": cycle.slug})
    third, conflicted = str(w.third.pk), str(w.conflicted.pk)
    not_there = "Select a valid choice"
    p.refuse_each(assign, [
        ("assign: nothing", {}, ("Choose a CCG", "Choose an assessor")),
        ("assign: letters", {"submission": "abc", "assessor": conflicted}, not_there),
        ("assign: no such CCG", {"submission": "999999", "assessor": conflicted}, not_there),
        ("assign: a draft", {"submission": str(w.halton.pk), "assessor": conflicted}, not_there),
        ("assign: not an assessor", {"submission": third, "assessor": str(roles.lead.pk)},
         not_there),
        ("assign: list", {"submission": [third, "x"], "assessor": conflicted}, not_there),
        ("assign: 1 MB", {"submission": HUGE, "assessor": conflicted}, not_there),
        ("assign: a full CCG", {"submission": str(w.submission.pk),
                                "assessor": str(w.unassigned.pk)}, "already has two assessors"),
    ])  # fmt: skip
    p.twice("assign", assign, {"submission": third, "assessor": conflicted},
            "is now assigned to", "is already assigned to")  # fmt: skip

    upload_csv = reverse("assignments:upload", kwargs={"cycle": cycle.slug})
    header = b"ods_code,assessor_email\n"
    p.refuse_each(upload_csv, [
        ("CSV: nothing", {}, "Select a CSV file to upload"),
        ("CSV: text", {"file": "a.csv"}, "Select a CSV file to upload"),
        *[(f"CSV: {what}", {"file": upload("a.csv", data)}, expect) for what, data, expect in (
            ("not UTF-8", b"\xff\xfe\x00o\x00d", "saved as UTF-8 text"),
            ("over 1 MB", header + b"x" * MB, "smaller than 1 MB"),
            ("NUL", header + b"07J,a@example.com\x00\n", "it contains a NUL character"),
            ("empty", b"", "The submitted file is empty"),
            ("header only", header, "has its header but no assignments"),
            ("no header", b"07J,a@example.com\n", "the first line must be the header"),
            ("formula", header + b'=HYPERLINK("x"),@SUM(1)\n', "no CCG has the ODS code"),
            ("unknown", header + b"ZZZ9,nobody@example.com\n", "no one has the e-mail address"),
        )],
    ])  # fmt: skip
    good = header + f"{w.fourth.ccg.ods_code},{w.unassigned.email}\n".encode()
    p.twice("CSV", upload_csv, lambda: {"file": upload("a.csv", good)}, "1 assignment made",
            "is already assigned")  # fmt: skip

    pk = Assignment.objects.get(submission=w.third, assessor=w.conflicted).pk
    unassign = reverse("assignments:unassign", kwargs={"cycle": cycle.slug, "pk": pk})
    p.twice("unassign", unassign, {"junk": "x"}, "is no longer assigned", "already unassigned")
    auto = reverse("assignments:auto", kwargs={"cycle": cycle.slug})
    p.accepted("auto", auto, {"seed": "abc", "junk": HUGE[:1000]}, "Automatic assignment made")
    p.refused("auto, again", auto, {}, "Automatic assignment made 0 assignments")

    p.as_user(w.unassigned)
    conflicts = reverse("assignments:conflicts")
    valid = {"ccg": str(w.halton.ccg.pk), "reason": "I worked there."}
    p.refuse_each(conflicts, [
        ("conflict: nothing", {}, ("Choose a CCG, an STP or an NHS region", "Say why you have")),
        ("conflict: letters", {**valid, "ccg": "abc"}, "Select a valid choice"),
        ("conflict: two", {**valid, "stp": str(w.halton.ccg.stp_id)}, "Choose only one"),
        ("conflict: 1 MB", {**valid, "reason": HUGE}, "500 characters or fewer"),
        ("conflict: NUL", {**valid, "reason": "\x00"}, "Null characters are not allowed"),
    ])  # fmt: skip
    p.twice("conflict", conflicts, valid, "declared", "already declared")
    p.as_user(w.conflicted)
    withdraw = reverse("assignments:withdraw_conflict", kwargs={"pk": w.conflict.pk})
    # Reported, not changed: withdrawn twice, the second finds no declaration (404), as one
    # of another assessor's does (test_assignment_access), so neither tells which exist.
    p.twice("withdraw", withdraw, {"junk": "x"}, "withdrawn", "", how=("404",))

    assert p.problems == [], "\n".join(p.problems)
    assert Assignment.objects.filter(submission=w.fourth, assessor=w.unassigned).count() == 1
    assert ConflictDeclaration.objects.filter(assessor=w.unassigned).count() == 1


def test_letters_and_sign_in_forms_refuse_hostile_posts(poster, cycle, roles, scene):
    p, w = poster, scene
    p.as_user(roles.admin)
    wording = reverse("letters:wording", kwargs={"cycle": cycle.slug})
    valid = wording_data(cycle)
    p.refuse_each(wording, [
        ("wording: nothing", {}, ("Enter the date on the letters", "Enter the framework",
                                  "Enter sender address", "Enter subject (in bold)",
                                  "Enter position of the session in the list")),
        ("wording: 31 2 2021", {**valid, "letter_date_day": "31", "letter_date_month": "2"},
         "must be a real date"),
        ("wording: position letters", {**valid, "amber_offer_position": "x"}, "a whole number"),
        ("wording: position 99", {**valid, "amber_offer_position": "99"}, "less than or equal"),
        ("wording: position list", {**valid, "amber_offer_position": ["1", "x"]}, "whole number"),
        ("wording: template syntax", {**valid, "subject": "{{7*7}} {% now 'Y' %}"},
         "is not a placeholder"),
        ("wording: attribute", {**valid, "subject": "{ccg_name.__class__}"}, "not a placeholder"),
        ("wording: NUL", {**valid, "subject": "\x00"}, "Null characters are not allowed"),
    ])  # fmt: skip
    limits = {
        name: field.max_length
        for name, field in WordingForm().fields.items()
        if getattr(field, "max_length", None)
    }
    p.refuse_each(wording, [
        (f"wording: 1 MB {name}", {**valid, name: HUGE}, f"at most {limit} characters")
        for name, limit in limits.items()
    ])  # fmt: skip
    p.refused("wording: 1 MB everywhere", wording, {**valid, **dict.fromkeys(limits, HUGE)},
              "could not understand what your browser sent", how=("400",))  # fmt: skip
    p.twice("wording", wording, valid, "Wording saved", "Wording saved", how=("message",),
            allowed=("letters_lettersettings",))  # fmt: skip

    start_run = reverse("letters:start_run", kwargs={"cycle": cycle.slug})
    p.refuse_each(start_run, [
        ("render: nothing", {}, "Choose whether to render every CCG or the selected ones"),
        ("render: scope", {"scope": "everything"}, "Select a valid choice"),
        ("render: kinds", {"scope": "all", "kinds": "poems"}, "Select a valid choice"),
        ("render: ccgs", {"scope": "selected", "ccgs": ["abc"]}, "Select a valid choice"),
        ("render: no ccgs", {"scope": "selected"}, "Select at least one CCG"),
        ("render: 1 MB reason", {"scope": "all", "reason": HUGE}, "500 characters or fewer"),
        ("render: NUL reason", {"scope": "all", "reason": "\x00"}, "Null characters are not"),
    ])  # fmt: skip
    documents = Document.objects.count()
    # A render request is a new run each time (its jobs find the documents unchanged).
    p.accepted("render", start_run, {"scope": "all", "kinds": "both"})
    run = RenderRun.objects.latest("pk")
    retry = reverse("letters:retry", kwargs={"cycle": cycle.slug, "pk": run.pk})
    p.refused("retry", retry, {"junk": HUGE[:100]}, "0 failed jobs queued again")

    release = reverse("letters:release", kwargs={"cycle": cycle.slug})
    soon = timezone.localtime() + timedelta(hours=1)
    valid = {**date_fields("release_date", soon.date()), "release_time": f"{soon:%H:%M}"}
    not_a_time = "Enter the release time as hours and minutes"
    p.refuse_each(release, [
        ("release: nothing", {}, ("Enter the release date", "Enter the release time")),
        *[(f"release: {str(time)[:8]}", {**valid, "release_time": time}, not_a_time)
          for time in ("25:99", "nine", "9", HUGE, ["09:00", "x"])],
        ("release: 31 2", {**valid, "release_date_day": "31", "release_date_month": "2"},
         "The release date must be a real date"),
        ("release: released already", valid, "were released on"),
    ])  # fmt: skip
    message = OutboxMessage.objects.get(document__submission=w.submission)
    hold = reverse("letters:message", kwargs={"cycle": cycle.slug, "pk": message.pk})
    p.twice("hold", hold, {"action": "hold"}, "Message held", "This message is held")
    p.accepted("let it go", hold, {"action": "send"}, "Message will be sent")
    p.refused("let it go, again", hold, {"action": ["hold", "send"]}, "This message is waiting")
    outbox = reverse("letters:outbox", kwargs={"cycle": cycle.slug})
    # Queued twice, each message is still sent once (letters.services.send_message).
    p.twice("send", outbox, {"failed": HUGE[:10]}, "queued for sending", "queued for sending",
            allowed=("letters_outboxmessage",))  # fmt: skip

    p.as_user(None)
    p.refuse_each(reverse("login"), [
        ("sign-in: nothing", {}, "This field is required"),  # reported: which field?
        ("sign-in: not an e-mail", {"username": SCRIPT, "password": "x"}, "valid email address"),
        ("sign-in: 1 MB", {"username": HUGE + "@example.com", "password": "x"}, "at most 254"),
        ("sign-in: wrong password", {"username": roles.lead.email, "password": HUGE},
         "Enter a correct email address and password"),
        ("sign-in: list", {"username": [roles.lead.email, "x"], "password": "x"}, "valid email"),
        ("sign-in: NUL", {"username": "a\x00@example.com", "password": "x"}, "Null characters"),
    ])  # fmt: skip
    reset = reverse("password_reset")
    p.refuse_each(reset, [
        ("reset: nothing", {}, "This field is required"),
        ("reset: 1 MB", {"email": HUGE}, "Enter a valid email address"),
    ])  # fmt: skip
    new = "Plum-tree-42-x"
    p.refuse_each(reset_link(p.client, roles.lead), [
        ("new password: nothing", {}, "This field is required"),
        ("new password: different", {"new_password1": new, "new_password2": new + "y"},
         "didn’t match"),
        ("new password: short", {"new_password1": "Ab-1", "new_password2": "Ab-1"}, "too short"),
        ("new password: common", {"new_password1": "password1234",
                                  "new_password2": "password1234"}, "too common"),
        ("new password: list", {"new_password1": [new, "x"], "new_password2": new},
         "didn’t match"),
    ])  # fmt: skip
    sent = len(mail.outbox)
    p.accepted("reset", reset, {"email": roles.lead.email})
    p.accepted("reset, again", reset, {"email": roles.lead.email})

    assert p.problems == [], "\n".join(p.problems)
    assert Document.objects.count() == documents
    assert LetterSettings.objects.count() == 1
    assert len(mail.outbox) - sent == 2  # one e-mail a request, no rows


def reset_link(client, user) -> str:
    """The set-password page of a real reset link (the link puts its token in the session)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    response = client.get(reverse("password_reset_confirm", args=[uid, token]))
    assert response.status_code == 302, response.status_code
    return response["Location"]


def test_a_huge_new_password_is_refused(client, roles):
    set_password = reset_link(client, roles.lead)
    huge = "Zq-" * (MB // 3)
    response = client.post(set_password, {"new_password1": huge, "new_password2": huge})
    assert response.status_code == 200
    assert error_summary(response.content.decode())


API_FILTERS = ("cycle", "ods_code", "region", "stp", "ragg", "min_total", "max_total", "ordering")


def test_api_filters_answer_hostile_values_with_a_400_or_nothing(client, roles, world):
    """Every filter of the ratings list, given script, NUL, 1 MB, lists and wrong types, by
    a signed-out client and with a token: a JSON answer (200 with no rows, or a 400 naming
    the parameter), never a server error; and bad Authorization headers are a 401."""
    from api.tokens import create_token

    key = create_token(roles.admin, name="hostile", lifetime=timedelta(days=1)).key
    values = [PAYLOAD, "\x00", HUGE[:5000], ["x", "y"], "-1", "1e400", "16", "%", "' OR 1=1 --"]
    problems = []
    for headers in ({}, {"HTTP_AUTHORIZATION": f"Bearer {key}"}):
        for name in API_FILTERS:
            for value in values:
                url = "/api/v1/ratings/?" + urlencode({name: value}, doseq=True)
                response = client.get(url, **headers)
                what = f"{name}={str(value)[:20]!r}"
                if response.status_code not in (200, 400):
                    problems.append(f"{what}: {response.status_code}")
                elif response["Content-Type"] != "application/json":
                    problems.append(f"{what}: {response['Content-Type']}")
                elif response.status_code == 200 and response.json()["count"] != 0:
                    problems.append(f"{what}: matched {response.json()['count']} rows")
                elif response.status_code == 400 and name not in response.json():
                    problems.append(f"{what}: the 400 does not name the parameter")
        for path in ("ccgs/", "ratings/", "ccgs/07J/history/"):
            for value in (PAYLOAD, "\x00", HUGE[:5000], "x" * 3):
                response = client.get(f"/api/v1/{path}{quote(value, safe='')}/", **headers)
                if response.status_code >= 500:
                    problems.append(f"path {path}{value[:20]!r}: {response.status_code}")
    for header in (
        f"Bearer {PAYLOAD}",
        "Bearer \x00",
        "Bearer " + HUGE[:5000],
        "Token",
        "Bearer a b",
    ):
        response = client.get("/api/v1/ratings/", HTTP_AUTHORIZATION=header)
        if response.status_code != 401:
            problems.append(f"Authorization {header[:20]!r}: {response.status_code}")
    assert problems == [], "\n".join(problems)


def test_the_api_token_form_refuses_hostile_posts(poster, roles, world):
    p = poster.as_user(roles.lead)
    tokens_page = reverse("api:tokens")
    p.refuse_each(tokens_page, [
        ("token: nothing", {}, ("Enter a name for the token", "Choose when the token expires")),
        ("token: blank name", {"name": "   ", "lifetime": "30"}, "Enter a name for the token"),
        ("token: 1 MB name", {"name": HUGE, "lifetime": "30"}, "at most 100 characters"),
        ("token: NUL", {"name": "a\x00", "lifetime": "30"}, "Null characters are not allowed"),
        ("token: lifetime", {"name": "x", "lifetime": "forever"}, "Select a valid choice"),
        ("token: lifetime list", {"name": "x", "lifetime": ["30", "x"]}, "Select a valid choice"),
        ("token: same name", {"name": "World", "lifetime": "30"},
         "You already have a token called World"),
    ], how=("summary",))  # fmt: skip
    revoke = reverse("api:revoke_token", args=[world.api_token.pk])
    p.accepted("revoke", revoke, {"junk": PAYLOAD}, "Token World revoked")
    p.refused("revoke, again", revoke, {}, "was already revoked", how=("message",))
    p.as_user(roles.other_lead)
    response = p.client.post(revoke)
    if response.status_code != 404:
        p.problems.append(f"revoke another's token: {response.status_code}")
    assert p.problems == [], "\n".join(p.problems)


# --------------------------------------------------------------------------- every url


TEXT_FIELDS = (
    "text", "url", "description", "question", "answer", "rationale", "improvement_points",
    "good_practice", "reason", "grounds", "reasons", "comment", "username", "password",
    "email", "next", "scope", "kinds", "ccg", "stp", "region", "submission", "assessor",
    "token", "code", "release_time", "subject",
)  # fmt: skip
JUNK = dict.fromkeys(TEXT_FIELDS, PAYLOAD) | {
    "version": "x", "score": ["2", "x"], "score_A": "x", "action": PAYLOAD, "ccgs": ["x"],
    "until_day": "31", "until_month": "2", "until_year": "x", "letter_date_day": HUGE[:5000],
    "amber_offer_position": "-1", "file": "not-a-file",
}  # fmt: skip


def test_junk_posted_to_every_url_is_never_a_server_error(client, roles, world):
    problems = []
    for name, url in resolved_urls(world).items():
        row = EXPECTED.get(name)
        allowed = [r for r in ROLES if row and row[r] in (200, 405)] if row else ["admin"]
        for role in ["anonymous", *allowed[:3]]:
            client.logout()
            if role != "anonymous":
                client.force_login(user_for(role, roles, world))
            response = client.post(url, JUNK)
            if response.status_code >= 500:
                problems.append(f"{name} as {role}: {response.status_code}")
            elif is_html(response):
                problems += markup_problems(f"{name} as {role}", response.content.decode())
    assert problems == [], "\n".join(problems)


def test_improvement_support_form_refuses_hostile_posts(poster, cycle, roles, scene):
    from support.models import ImprovementSession

    p, w = poster, scene
    p.as_user(roles.admin)
    session = ImprovementSession.objects.get(submission=w.submission)
    url = reverse("support:session", kwargs={"pk": session.pk})
    today = timezone.localdate()
    soon = today + timedelta(days=7)
    valid = {"status": "booked", **date_fields("booked_date", soon), "booked_time": "14:00"}
    p.refuse_each(url, [
        ("support: nothing", {}, "Select what happened to the session"),
        ("support: unknown status", {"status": SCRIPT}, "Select a status the session can move"),
        ("support: held before booked", {"status": "held", **date_fields("held_on", today)},
         "Select a status the session can move to"),
        ("support: status list", {**valid, "status": ["booked", "held"]}, "Select a status"),
        ("support: booked, no date", {"status": "booked"},
         "Enter the date and time the session is booked for"),
        ("support: booked, no time", {**valid, "booked_time": ""}, "Enter the time booked for"),
        ("support: 31 2", {**valid, "booked_date_day": "31", "booked_date_month": "2"},
         "must be a real date"),
        ("support: letters for a day", {**valid, "booked_date_day": "x"}, "must be a real date"),
        ("support: year 99999", {**valid, "booked_date_year": "99999"}, "must be a real date"),
        ("support: 25:99", {**valid, "booked_time": "25:99"}, "as hours and minutes"),
        ("support: 1 MB time", {**valid, "booked_time": HUGE}, "as hours and minutes"),
        ("support: booked in the past",
         {**valid, **date_fields("booked_date", today - timedelta(days=1))},
         "a time in the future"),
        ("support: declined tomorrow", {"status": "declined",
                                        **date_fields("declined_on", today + timedelta(days=1))},
         "today or in the past"),
        ("support: 1 MB note", {**valid, "note": HUGE}, "2000 characters or fewer"),
        ("support: NUL note", {**valid, "note": "\x00"}, "Null characters are not allowed"),
    ])  # fmt: skip
    p.twice("support: book", url, valid, "Session booked", "already booked for that time")
    assert p.problems == [], "\n".join(p.problems)


def test_results_exports_and_history_keep_hostile_register_names_as_data(client, roles, cycle):
    """A CCG and STP named with a formula and markup: the CSV protects the cells, the XLSX
    stores them as text, the JSON as the same string, the history page escapes them."""
    import json

    from openpyxl import load_workbook

    ccg = CCGFactory(name=f"{FORMULAS[0]} {hostile('ccg name')}"[:200], ods_code="98Z")
    ccg.stp.name = f"{FORMULAS[1]} {hostile('stp name')}"[:200]
    ccg.stp.save(update_fields=["name"])
    submission = Submission.objects.create(ccg=ccg, cycle=cycle)
    moderation.record_rating(submission, dict.fromkeys("ABCDE", 2), proposed_by=None,
                             confirmed_by=None)  # fmt: skip
    cycle.released_at = timezone.now()
    cycle.save()
    client.force_login(roles.admin)

    def get(fmt):
        return client.get(reverse("results:export", args=[cycle.slug, fmt]))

    [row] = list(csv.DictReader(io.StringIO(body_of(get("csv")).decode("utf-8-sig"))))
    assert row["ccg_name"] == "'" + ccg.name and row["stp"] == "'" + ccg.stp.name
    sheet = load_workbook(io.BytesIO(body_of(get("xlsx")))).active
    assert [(c.value, c.data_type) for c in (sheet["C2"], sheet["D2"])] == [
        (ccg.name, "s"), (ccg.stp.name, "s")
    ]  # fmt: skip
    [record] = json.loads(body_of(get("json")))["results"]
    assert (record["ccg_name"], record["stp"]) == (ccg.name, ccg.stp.name)
    body = client.get(reverse("results:history", args=[ccg.ods_code])).content.decode()
    assert markup_problems("results:history", body) == []
    assert shown(ccg.name) in body
    for fmt in ("csv'--", "<script>", "..%2f"):
        assert client.get(f"/results/{cycle.slug}/export.{fmt}").status_code == 404


def test_library_forms_refuse_hostile_posts(poster, cycle, roles, scene):
    from assessment.models import DomainScore
    from library import services as library
    from library.models import GoodPracticeExample

    p, w = poster, scene
    DomainScore.objects.filter(assessment__submission=w.submission, domain__code="B").update(
        good_practice="Annual report co-written with residents."
    )
    proposal = library.proposals_for(cycle).first()
    prefix = f"example-{proposal.pk}-"

    def fields(**values):
        return {prefix + name: value for name, value in values.items()}

    p.as_user(roles.moderator)
    decide = reverse("library:decide", kwargs={"cycle": cycle.slug, "pk": proposal.pk})
    valid = fields(decision="approve", title="Co-written report", summary="Residents wrote it.")
    p.refuse_each(decide, [
        ("decide: nothing", {}, "Choose whether to approve or reject the example"),
        ("decide: unknown", fields(decision=PAYLOAD), "Select a valid choice"),
        ("decide: list", {**valid, prefix + "decision": ["approve", "x"]}, "Select a valid"),
        ("decide: no title", {**valid, prefix + "title": " "}, "Give the example a title"),
        ("decide: 1 MB title", {**valid, prefix + "title": HUGE}, "at most 200 characters"),
        ("decide: 1 MB summary", {**valid, prefix + "summary": HUGE}, "at most 5000"),
        ("decide: NUL title", {**valid, prefix + "title": "a\x00"}, "Null characters"),
        ("decide: criterion", {**valid, prefix + "criterion": "x"}, "Select a valid choice"),
        ("decide: other domain's criterion", {**valid, prefix + "criterion": w.criterion.pk},
         "Select a valid choice"),
        ("decide: the CCG named", {**valid, prefix + "title": "West Norfolk's report"},
         "Take “West Norfolk” out"),
        ("decide: reject, no reason", fields(decision="reject"), "Give the reason"),
        ("decide: unprefixed", {"decision": "approve", "title": "T", "summary": "S"},
         "Choose whether to approve or reject"),
    ])  # fmt: skip
    p.twice("decide", decide, valid, "Published in the library", "already approved",
            how=("message",))  # fmt: skip
    p.refused(
        "decide: the world's example", reverse(
            "library:decide", kwargs={"cycle": cycle.slug, "pk": w.example.pk}
        ), {f"example-{w.example.pk}-decision": "reject", f"example-{w.example.pk}-reason": "No."},
        "already approved by", how=("message",),
    )  # fmt: skip

    p.as_user(roles.admin)
    consent = reverse("library:consent", kwargs={"cycle": cycle.slug})
    valid = {"ccg": "07J", "consented": "yes", "note": "Agreed by e-mail."}
    p.refuse_each(consent, [
        ("consent: nothing", {}, ("Choose the CCG", "Choose whether the CCG agreed")),
        ("consent: a CCG without examples", {**valid, "ccg": "01F"}, "Choose a CCG from the"),
        ("consent: markup", {**valid, "ccg": PAYLOAD}, "Choose a CCG from the list"),
        ("consent: maybe", {**valid, "consented": "maybe"}, "Select a valid choice"),
        ("consent: list", {**valid, "consented": ["yes", "x"]}, "Select a valid choice"),
        ("consent: 1 MB note", {**valid, "note": HUGE}, "at most 1000 characters"),
        ("consent: NUL note", {**valid, "note": "\x00"}, "Null characters"),
    ])  # fmt: skip
    p.twice("consent", consent, valid, "is named in the library", "is already named",
            how=("message",))  # fmt: skip
    assert p.problems == [], "\n".join(p.problems)
    assert GoodPracticeExample.objects.filter(status="approved").count() == 2


def test_library_search_answers_hostile_queries(client, roles, world):
    url = reverse("library:index")
    queries = [
        {"q": HUGE}, {"q": "a\x00b"}, {"q": "&|!():* <-> 'x"}, {"domain": "Z"},
        {"domain": ["A", PAYLOAD]}, {"criterion": PAYLOAD}, {"cycle": "../../etc"},
        {"page": "-1"}, {"page": HUGE[:5000]}, {"q": PAYLOAD, "domain": "A", "criterion": "E1"},
    ]  # fmt: skip
    client.force_login(roles.lead)
    problems = []
    for query in queries:
        response = client.get(url, query)
        where = f"library search {str(query)[:60]}"
        if response.status_code != 200:
            problems.append(f"{where}: {response.status_code}")
            continue
        problems += markup_problems(where, response.content.decode())
    assert problems == [], "\n".join(problems)


def test_dashboard_filter_answers_hostile_queries(client, roles, world):
    url = reverse("results:dashboard", kwargs={"cycle": world.submission.cycle.slug})
    queries = [
        {"region": PAYLOAD}, {"stage": PAYLOAD}, {"region": HUGE}, {"stage": "not_"},
        {"region": ["London", PAYLOAD]}, {"stage": "a\x00b"}, {"region": "", "stage": ""},
    ]  # fmt: skip
    client.force_login(roles.moderator)
    problems = []
    for query in queries:
        response = client.get(url, query)
        where = f"dashboard filter {str(query)[:60]}"
        if response.status_code != 200:
            problems.append(f"{where}: {response.status_code}")
            continue
        problems += markup_problems(where, response.content.decode())
    assert problems == [], "\n".join(problems)
