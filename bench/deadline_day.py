"""Deadline day under load: 100 CCG leads and 12 assessors at once against real gunicorn.

A throwaway PostgreSQL database holds the April 2019 register (191 CCGs) and the
2019/20 framework, with the cycle open for evidence and its deadline today. 100 CCGs
are drafts, each with its own engagement lead; 48 others are submitted and assigned
(automatic assignment, two assessors each) across 12 assessors. gunicorn serves the
production settings (gthread: 3 worker processes x 4 threads, for 2 cores) on a free
port of 127.0.0.1, as behind a TLS-terminating proxy: every request says
``X-Forwarded-Proto: https`` and ``DJANGO_SECURE_PROXY_SSL_HEADER`` is on, so the
Secure cookies, the HTTPS CSRF checks (Origin/Referer) and HSTS are as in production.
The only departure: STATIC_ROOT is a scratch folder (a settings module in that folder
imports ``config.settings.production`` and changes nothing else), so collectstatic
does not write into the working tree.

The load generator is the standard library (no locust): one thread per virtual user,
each with its own cookie jar (kept whatever the Secure flag says), a new loopback
connection per request, think time between steps (BENCH_THINK, default 1-3 s), users
starting spread over a ramp-up (BENCH_RAMP, 60 s) and everything stopping at the end
(BENCH_DURATION, 90 s, ramp included) or after a fixed number of steps. Each lead signs
in (once, with the right password: django-axes counts only failures), opens home, their
submission, a domain and the upload form, uploads a valid 5 MB PDF to a criterion
through the real form, follows the redirect and browses on. Each assessor signs in
(with a code from an authenticator app too, where the service asks for a second
factor: the bench gives each an app whose key it knows), opens their queue, then for
each assigned CCG and domain opens the scoring page and posts a score with a finding
per criterion.

Printed: requests, requests per second, errors (any status >= 400, an exception, or an
answer that is not what a browser expects, e.g. a form that did not redirect) by kind,
p50/p95/max latency of page views (GET) and separately of sign-ins, uploads and score
posts, each page, a timeline, the CPU used by gunicorn, PostgreSQL, this client and
everything else (these machines are shared: other work slows the figures), and the
verdict against the target: no errors and p95 under 500 ms for page views, on a machine
where a password hash takes 230 ms of CPU; on a slower one the ramp, the think times and the
run are longer by the ratio of the hash times, and the target too (``REFERENCE_HASH_MS``),
so the test asks the same of the code whatever the build machine's speed. Afterwards
the database is checked: every upload that redirected left its 5 MB file. With ``--check``
(as ``.ci/run`` runs it) the exit status is 1 when the target is missed.
"""

import contextlib
import hashlib
import hmac
import http.client
import math
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import CookieError, SimpleCookie
from io import BytesIO
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DATABASE = "ea_bench_deadline"
BROKER = "redis://127.0.0.1:6379/9"  # the tests use 15, letters 14, make check-deploy 0
LEADS = 100
ASSESSORS = 12
SUBMITTED = 48  # CCGs submitted and assigned, two assessors each: 8 per assessor
WORKERS, THREADS = 3, 4  # gunicorn gthread on 2 cores
# 112 people signing in within a minute: each sign-in costs about 220 ms of CPU (PBKDF2,
# Django's 1,000,000 iterations), so a 20-second ramp saturates 2 cores with hashing alone
# (measured: page-view p95 550-650 ms); over a minute it does not (p95 about 80 ms).
DURATION = float(os.environ.get("BENCH_DURATION", "90"))  # seconds of load, ramp included
RAMP = float(os.environ.get("BENCH_RAMP", "60"))  # users start spread over this
THINK = tuple(float(n) for n in os.environ.get("BENCH_THINK", "1,3").split(","))
LEAD_PAGE_VIEWS = 30  # after the upload; or until the time is up, whichever first
ASSESSOR_SCORES = 40  # score posts per assessor; or until the time is up
UPLOAD_BYTES = 5 * 1000 * 1000  # 5 MB
REQUEST_TIMEOUT = 30.0
START_TIMEOUT = 30.0
TARGET_P95_MS = 500.0
# The CPU one password hash took on the machines the target was set on (README, Decisions).
# On a slower machine (the shared build machines vary: up to 700 ms has been measured) the
# whole load is paced by the ratio, so that the CPU it asks for per second is the same, and
# the target is the same ratio longer: each request takes that much more CPU there too.
REFERENCE_HASH_MS = 230.0
WINDOW = 10.0  # seconds per line of the timeline

SETTINGS_MODULE = '''"""bench/deadline_day.py: production, STATIC_ROOT a scratch folder."""

import os

from config.settings.production import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
'''


# --------------------------------------------------------------------------- helpers


def seeded(seed: int) -> random.Random:
    """A repeatable random sequence (the load's pattern, not security)."""
    return random.Random(seed)  # noqa: S311


def postgres(*command: str) -> None:
    """``createdb`` or ``dropdb`` of the scratch database (without "does not exist" notices)."""
    env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    subprocess.run([*command, "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True, env=env)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of ``pid`` so far (0 if it has gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_backends() -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving the scratch database."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if command.startswith(b"postgres: ") and f" {DATABASE} ".encode() in command:
            found[int(entry.name)] = cpu_seconds(int(entry.name))
    return found


def machine_cpu() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine since boot, from /proc/stat."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - ticks[3] - ticks[4]) / hz, sum(ticks) / hz


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least ``fraction`` of them at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def totp(key_hex: str) -> str:
    """The code an authenticator app shows now (RFC 6238: SHA-1, 30 s steps, 6 digits)."""
    counter = int(time.time() // 30).to_bytes(8, "big")
    digest = hmac.new(bytes.fromhex(key_hex), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(int.from_bytes(digest[offset : offset + 4], 'big') & 0x7FFFFFFF) % 10**6:06d}"


def build_pdf(size: int) -> bytes:
    """A valid one-page PDF of exactly ``size`` bytes: a text line and a content stream
    padded with PDF comments (plain ASCII, so nothing in it looks like a script name)."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    def render(padding: int) -> bytes:
        writer = PdfWriter()
        page = writer.add_blank_page(width=595, height=842)
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
        )
        line = b"% padding of the deadline day benchmark's evidence file, plain text\n"
        body = line * (padding // len(line)) + b"%" * (padding % len(line))
        stream = StreamObject()
        stream.set_data(b"BT /F1 18 Tf 72 760 Td (Engagement evidence 2019/20) Tj ET\n" + body)
        page[NameObject("/Contents")] = writer._add_object(stream)
        out = BytesIO()
        writer.write(out)
        return out.getvalue()

    padding = size - len(render(0))
    for _ in range(3):  # the /Length's digits change the total by a few bytes
        data = render(padding)
        if len(data) == size:
            break
        padding += size - len(data)
    return data


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Lead:
    email: str
    ods_code: str
    domain: str
    criterion: str


def build(password: str, log) -> dict:
    """The register, the cycle on its deadline day, the leads, the assessors, assignments."""
    from django.conf import settings
    from django.contrib.auth.hashers import identify_hasher, make_password
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import CCGRole, User
    from assessment.assignments import auto_assign
    from assessment.models import Cycle
    from assessment.services import SHIPPED_FRAMEWORKS, load_cycle
    from ccgs.services import SHIPPED_REGISTERS, import_register
    from evidence.models import DomainNarrative, EvidenceItem, Submission
    from evidence.services import open_submissions

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    import_register(SHIPPED_REGISTERS[2019], 2019)
    cycle = load_cycle(SHIPPED_FRAMEWORKS[1]).cycle
    now = timezone.localtime()
    # Deadline day: today is the last day a draft may change (tomorrow within 10 minutes
    # of midnight, so that the run does not cross into a closed cycle).
    deadline = now.date() + timedelta(days=1 if (now.hour, now.minute) >= (23, 50) else 0)
    cycle.phase = Cycle.Phase.SUBMISSION
    cycle.submission_opens = deadline - timedelta(days=60)
    cycle.submission_deadline = deadline
    cycle.save()
    open_submissions(cycle)
    submissions = list(Submission.objects.filter(cycle=cycle).select_related("ccg"))
    seeded(2026).shuffle(submissions)  # leads and assessed CCGs from every region
    if len(submissions) < LEADS + SUBMITTED + 1:
        raise SystemExit(f"only {len(submissions)} submissions were opened")
    drafts, submitted = submissions[: LEADS + 1], submissions[LEADS + 1 : LEADS + 1 + SUBMITTED]
    domains = list(cycle.domains.prefetch_related("criteria").order_by("code"))
    criteria = [(d.code, c.code) for d in domains for c in d.criteria.order_by("position")]

    # One hash for every account (the same cost per sign-in as any other password).
    cpu = time.process_time()
    hashed = make_password(password)
    hash_ms = (time.process_time() - cpu) * 1000
    hasher = identify_hasher(hashed)
    author = User.objects.create_user("bench.data@example.com", full_name="Data", is_active=False)
    admin = User.objects.create_superuser("bench.admin@example.com", full_name="Bench Admin")
    leads = User.objects.bulk_create(
        User(email=f"bench.lead{n:03d}@example.com", full_name=f"Lead {n:03d}", password=hashed)
        for n in range(LEADS + 1)  # the last one is the smoke test's
    )
    assessors = User.objects.bulk_create(
        User(
            email=f"bench.assessor{n:02d}@example.com",
            full_name=f"Assessor {n:02d}",
            password=hashed,
            is_assessor=True,
        )
        for n in range(ASSESSORS)
    )
    CCGRole.objects.bulk_create(
        CCGRole(user=user, ccg=submission.ccg, role=CCGRole.Role.LEAD)
        for user, submission in zip(leads, drafts, strict=True)
    )

    # Work already done: the submitted CCGs have every narrative and a link per
    # criterion; each draft has two narratives and two links.
    narratives, items = [], []
    for submission in submitted:
        for domain in domains:
            narratives.append(
                DomainNarrative(
                    submission=submission,
                    domain=domain,
                    text=f"{submission.ccg.name} involved local people in "
                    f"{domain.name.lower()} throughout 2019/20. " * 8,
                    updated_by=author,
                )
            )
            for criterion in domain.criteria.all():
                items.append(
                    EvidenceItem(
                        submission=submission,
                        criterion=criterion,
                        kind=EvidenceItem.Kind.LINK,
                        url=f"https://www.example.org/{submission.ccg.ods_code}/{criterion.code}",
                        description=f"Web page showing {criterion.title.lower()}",
                        created_by=author,
                    )
                )
    for submission in drafts:
        for domain in domains[:2]:
            narratives.append(
                DomainNarrative(
                    submission=submission,
                    domain=domain,
                    text=f"Draft: {domain.name} in {submission.ccg.name}.",
                    updated_by=author,
                )
            )
            criterion = domain.criteria.all()[0]
            items.append(
                EvidenceItem(
                    submission=submission,
                    criterion=criterion,
                    kind=EvidenceItem.Kind.LINK,
                    url=f"https://www.example.org/{submission.ccg.ods_code}/{criterion.code}",
                    description="Governing body minutes",
                    created_by=author,
                )
            )
    DomainNarrative.objects.bulk_create(narratives)
    EvidenceItem.objects.bulk_create(items)
    Submission.objects.filter(pk__in=[s.pk for s in submitted]).update(
        status=Submission.Status.SUBMITTED,
        submitted_at=timezone.now() - timedelta(days=3),
        submitted_by=author,
    )
    report = auto_assign(cycle, actor=admin, seed=2026)
    if report.complete != SUBMITTED:
        raise SystemExit(f"automatic assignment: {report.summary()}")
    # Multi-factor sign-in, where the service has it (assessors give a code after the
    # password): each assessor has an authenticator app set up, whose key the virtual
    # assessor knows, as the app on their phone would.
    keys = {}
    if "django_otp.plugins.otp_totp" in settings.INSTALLED_APPS:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        keys = {user.email: secrets.token_hex(20) for user in assessors}
        TOTPDevice.objects.bulk_create(
            TOTPDevice(user=user, name="Authenticator app", key=keys[user.email], confirmed=True)
            for user in assessors
        )
    log(
        f"  data: {len(submissions)} CCGs (register April 2019), cycle {cycle.label} open "
        f"until {deadline:%d %B %Y} (deadline day); {LEADS} leads of {LEADS} draft CCGs, "
        f"{ASSESSORS} assessors with {report.created} assignments to {SUBMITTED} submitted "
        f"CCGs ({report.created // ASSESSORS} each)"
        + ("; assessors sign in with a code from an authenticator app" if keys else "")
    )
    iterations = getattr(hasher, "iterations", None)
    log(
        f"  password hashing: {hasher.algorithm}"
        + (f", {iterations:,} iterations" if iterations else "")
        + f", {hash_ms:.0f} ms of CPU per hash here, so each sign-in costs at least that; "
        f"{LEADS + ASSESSORS} sign-ins about {hash_ms * (LEADS + ASSESSORS) / 1000:.0f} "
        "CPU-seconds"
    )
    lead_plans = [
        Lead(user.email, submission.ccg.ods_code, *criteria[n % len(criteria)])
        for n, (user, submission) in enumerate(zip(leads, drafts, strict=True))
    ]
    return {
        "hash_ms": hash_ms,
        "cycle": cycle.slug,
        "domains": [d.code for d in domains],
        "leads": lead_plans[:LEADS],
        "smoke": lead_plans[LEADS],
        "assessors": [user.email for user in assessors],
        "keys": keys,
    }


def stored_uploads(emails: list[str]) -> tuple[int, list[int]]:
    """(file evidence items created by these users, the sizes of their files)."""
    from evidence.models import EvidenceFile, EvidenceItem

    items = EvidenceItem.objects.filter(
        kind=EvidenceItem.Kind.FILE, created_by__email__in=emails, removed_at__isnull=True
    ).count()
    sizes = list(
        EvidenceFile.objects.filter(uploaded_by__email__in=emails).values_list("size", flat=True)
    )
    return items, sizes


def stored_scores(emails: list[str]) -> tuple[int, int]:
    """(domain scores, score events) of these assessors."""
    from assessment.models import DomainScore, ScoreEvent

    return (
        DomainScore.objects.filter(assessment__assessor__email__in=emails).count(),
        ScoreEvent.objects.filter(actor__email__in=emails).count(),
    )


# --------------------------------------------------------------------------- the client


@dataclass
class Sample:
    kind: str  # "page", "sign-in", "code", "upload" or "score"
    name: str
    started: float  # seconds since the load began
    ms: float
    error: str = ""  # empty when the request did what it should


@dataclass
class Recorder:
    began: float
    samples: list = field(default_factory=list)
    examples: dict = field(default_factory=dict)  # error kind -> a detail
    failed_users: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample, detail: str = "") -> None:
        with self.lock:
            self.samples.append(sample)
            if sample.error and sample.error not in self.examples:
                self.examples[sample.error] = detail


class UserFailed(Exception):
    """A request failed: the virtual user gives up (the error is already recorded)."""


ERROR_SUMMARY = re.compile(r"nhsuk-error-summary__list.*?<a [^>]*>(.*?)</a>", re.S)
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """One virtual user: a cookie jar (kept whatever the Secure flag), a connection per
    request, and the headers a browser behind the HTTPS proxy would send."""

    def __init__(self, port, recorder: Recorder, stop: threading.Event, until, think=THINK):
        self.port = port
        self.think_range = think
        self.origin = f"https://127.0.0.1:{port}"
        self.recorder = recorder
        self.stop = stop
        self.until = until
        self.cookies: dict[str, str] = {}
        self.last_page = "/"

    def time_left(self) -> bool:
        return not self.stop.is_set() and time.perf_counter() < self.until

    def think(self, rng: random.Random) -> bool:
        """Wait as a person reading the page would; False once the time is up."""
        pause = min(rng.uniform(*self.think_range), self.until - time.perf_counter())
        if pause > 0:
            self.stop.wait(pause)
        return self.time_left()

    def _keep_cookies(self, response) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or morsel["expires"].startswith("Thu, 01 Jan 1970"):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def request(self, kind, name, method, path, body=None, headers=None, expect=200, check=None):
        """Send one request; record it; return (status, location, html). Raises UserFailed
        after recording an exception, a status >= 400, a status other than ``expect``, or
        what ``check(location, html)`` found wrong with the answer."""
        headers = {
            "X-Forwarded-Proto": "https",
            "User-Agent": "deadline-day-bench",
            "Accept": "text/html",
            "Connection": "close",
            **(headers or {}),
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + self.last_page
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except Exception as error:  # every failure is a result here
            ms = (time.perf_counter() - started) * 1000
            kind_of_error = f"{method} {name}: {type(error).__name__}"
            self.recorder.add(
                Sample(kind, name, started - self.recorder.began, ms, kind_of_error), str(error)
            )
            raise UserFailed from None
        finally:
            connection.close()
        ms = (time.perf_counter() - started) * 1000
        self._keep_cookies(response)
        html = payload.decode(errors="replace")
        location = urlsplit(response.getheader("Location", ""))
        location = location.path + (f"?{location.query}" if location.query else "")
        error, detail = "", ""
        if response.status != expect:
            error = f"{method} {name}: HTTP {response.status}"
            if response.status < 400:
                error += f" instead of {expect}"
                found = ERROR_SUMMARY.search(html)
                detail = re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else location
            else:
                detail = html[:300]
        elif check is not None and (problem := check(location, html)):
            error, detail = f"{method} {name}: {problem}", location
        self.recorder.add(Sample(kind, name, started - self.recorder.began, ms, error), detail)
        if error:
            raise UserFailed
        if method == "GET":
            self.last_page = path
        return response.status, location, html

    def page(self, name, path, must_contain="", form=False):
        """GET a page; ``must_contain``: text it must have; ``form``: it must have a CSRF
        token, which is returned (else the HTML)."""

        def check(location, html):
            if must_contain and must_contain not in html:
                return f"{must_contain!r} missing from the page"
            if form and not CSRF_FIELD.search(html):
                return "no CSRF token in the form"
            return ""

        _, _, html = self.request("page", name, "GET", path, check=check)
        return CSRF_FIELD.search(html).group(1) if form else html

    def sign_in(self, email: str, password: str) -> None:
        token = self.page("sign-in page", "/sign-in/", form=True)
        body = urlencode({"csrfmiddlewaretoken": token, "username": email, "password": password})
        self.request(
            "sign-in", "sign-in", "POST", "/sign-in/", body,
            {"Content-Type": "application/x-www-form-urlencoded"}, expect=302,
            check=lambda location, html: "" if location == "/" else "not redirected home",
        )  # fmt: skip

    def post_form(self, kind, name, path, fields: dict):
        return self.request(
            kind, name, "POST", path, urlencode(fields),
            {"Content-Type": "application/x-www-form-urlencoded"}, expect=302,
        )  # fmt: skip

    def upload(self, path: str, token: str, filename: str, pdf: bytes):
        boundary = uuid.uuid4().hex
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f'{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name="description"'
            f"\r\n\r\nAnnual engagement report 2019/20\r\n--{boundary}\r\nContent-Disposition: "
            f'form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        return self.request(
            "upload", "upload (5 MB PDF)", "POST", path, [head, pdf, tail],
            {"Content-Type": f"multipart/form-data; boundary={boundary}",
             "Content-Length": str(len(head) + len(pdf) + len(tail))},
            expect=302,
        )  # fmt: skip


def lead_journey(browser, lead: Lead, password, cycle, domains, pdf, rng, browse) -> None:
    overview = f"/submissions/{cycle}/{lead.ods_code}/"
    domain_page = f"{overview}domain/{lead.domain}/"
    form = f"{overview}criterion/{lead.criterion}/file/"
    browser.sign_in(lead.email, password)
    browser.page("home", "/", must_contain=f'href="{overview}"')
    if not browser.think(rng):
        return
    browser.page("submission overview", overview, must_contain=f'href="{domain_page}"')
    if not browser.think(rng):
        return
    browser.page("domain page", domain_page, must_contain=f'href="{form}"')
    if not browser.think(rng):
        return
    token = browser.page("upload form", form, form=True)
    if not browser.think(rng):
        return
    filename = f"{lead.ods_code} engagement report {lead.criterion}.pdf"
    _, location, _ = browser.upload(form, token, filename, pdf)
    browser.page("domain page", location or domain_page, must_contain=filename)
    pages = [
        ("submission overview", overview),
        ("home", "/"),
        ("check answers", f"{overview}check/"),
        ("submission list", "/submissions/"),
    ]
    for _ in range(browse):
        if not browser.think(rng):
            return
        if rng.random() < 0.4:
            browser.page("domain page", f"{overview}domain/{rng.choice(domains)}/")
        else:
            browser.page(*rng.choice(pages))


FINDING_FIELD = re.compile(r'name="finding_(\d+)"')
OVERVIEW_LINK = re.compile(r'href="(/assessments/[^/"]+/[^/"]+/)"')


def assessor_journey(browser: Browser, email, password, key, domains, rng) -> None:
    browser.sign_in(email, password)
    if key:  # the second factor: home sends them to the code page first
        _, location, _ = browser.request(
            "page", "home (to the code page)", "GET", "/", expect=302,
            check=lambda location, html: "" if location.startswith("/sign-in/code/")
            else f"redirected to {location or 'nowhere'}",
        )  # fmt: skip
        token = browser.page("code page", location, form=True)
        fields = {"csrfmiddlewaretoken": token, "code": totp(key), "next": "/"}
        browser.request(
            "code", "code", "POST", location, urlencode(fields),
            {"Content-Type": "application/x-www-form-urlencoded"}, expect=302,
            check=lambda location, html: "" if location == "/" else "not redirected home",
        )  # fmt: skip
    browser.page("home", "/", must_contain='href="/assessments/"')
    if not browser.think(rng):
        return
    queue = browser.page("assessor queue", "/assessments/", must_contain='href="/assessments/')
    ccgs = list(dict.fromkeys(OVERVIEW_LINK.findall(queue)))
    for n in range(ASSESSOR_SCORES):
        if not browser.think(rng):
            return
        overview, domain = ccgs[(n // len(domains)) % len(ccgs)], domains[n % len(domains)]
        if n % len(domains) == 0:  # a new CCG: its overview first
            browser.page("assessment overview", overview)
            if not browser.think(rng):
                return
        path = f"{overview}domain/{domain}/"
        html = browser.page("scoring page", path, must_contain='name="finding_')
        token = CSRF_FIELD.search(html).group(1) if CSRF_FIELD.search(html) else ""
        criteria = list(dict.fromkeys(FINDING_FIELD.findall(html)))
        if not browser.think(rng):
            return
        fields = {
            "csrfmiddlewaretoken": token,
            "score": str(rng.choice((1, 2, 2, 2, 3))),
            "rationale": f"The evidence for domain {domain} shows involvement across the year.",
            "improvement_points": "Show the difference involvement made to decisions.",
            "good_practice": "",
        }
        for pk in criteria:
            fields[f"finding_{pk}"] = rng.choice(("met", "met", "partly_met", "not_met"))
            fields[f"note_{pk}"] = "Seen in the governing body minutes."
        _, location, _ = browser.post_form("score", "score post", path, fields)
        browser.page("assessment overview", location or overview)
        if n % len(domains) == len(domains) - 1 and browser.think(rng):
            browser.page("assessor queue", "/assessments/")


def run_user(journey, browser: Browser, delay: float, *args) -> None:
    if delay > 0:
        browser.stop.wait(delay)
    if not browser.time_left():
        return
    try:
        journey(browser, *args)
    except UserFailed:
        with browser.recorder.lock:
            browser.recorder.failed_users[journey.__name__] += 1


# --------------------------------------------------------------------------- the server


class Server:
    """gunicorn in its own session (gthread workers); ``stop`` is a graceful SIGTERM."""

    def __init__(self, env: dict, log_path: Path):
        self.port = free_port()
        self.log_path = log_path
        self.log = log_path.open("ab")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "config.wsgi:application",
             "--bind", f"127.0.0.1:{self.port}", "--worker-class", "gthread",
             "--workers", str(WORKERS), "--threads", str(THREADS), "--timeout", "60",
             "--graceful-timeout", "10", "--worker-tmp-dir", "/dev/shm",  # noqa: S108  (as the Dockerfile)
             "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.perf_counter() + START_TIMEOUT
        try:
            while not self._healthy():
                if self.process.poll() is not None:
                    code = self.process.returncode
                    raise SystemExit(f"gunicorn exited ({code}):\n{self.tail()}")
                if time.perf_counter() > deadline:
                    raise SystemExit(f"gunicorn did not answer in {START_TIMEOUT:.0f} s")
                time.sleep(0.1)
            while len(self.workers()) < WORKERS and time.perf_counter() < deadline:
                time.sleep(0.1)
        except BaseException:
            self.stop()
            raise

    def _healthy(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/healthz/")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def workers(self) -> list[int]:
        return children_of(self.process.pid)

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid) + sum(cpu_seconds(p) for p in self.workers())

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


# --------------------------------------------------------------------------- report


def latency_line(label: str, samples: list[Sample]) -> str:
    ms = [s.ms for s in samples if not s.error]
    if not ms:
        return f"    {label:<28} {len(samples):>6}   (none succeeded)"
    return (
        f"    {label:<28} {len(samples):>6} {statistics.median(ms):>7.0f} "
        f"{percentile(ms, 0.95):>7.0f} {max(ms):>7.0f}"
    )


def report(recorder: Recorder, elapsed: float, cpu: tuple, users: int, target: float) -> bool:
    samples = recorder.samples
    errors = [s for s in samples if s.error]
    by_kind = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)
    print(
        f"  requests: {len(samples)} in {elapsed:.1f} s, {len(samples) / elapsed:.1f} per "
        f"second; errors: {len(errors)} ({len(errors) / max(len(samples), 1):.2%})"
    )
    for kind, count in Counter(s.error for s in errors).most_common():
        detail = recorder.examples.get(kind, "")
        detail = f" (e.g. {' '.join(detail.split())[:160]})" if detail else ""
        print(f"    {count:>5} x {kind}{detail}")
    if recorder.failed_users:
        gave_up = ", ".join(f"{n} ({name})" for name, n in recorder.failed_users.items())
        print(f"    virtual users that gave up after an error: {gave_up} of {users}")
    print(f"  latency, ms {'':<17} {'count':>6} {'p50':>7} {'p95':>7} {'max':>7}")
    labels = {
        "page": "page views (GET)",
        "sign-in": "sign-ins (POST password)",
        "code": "second factor (POST code)",
        "upload": "uploads (POST, 5 MB PDF)",
        "score": "score posts (POST)",
    }
    for kind, label in labels.items():
        if by_kind[kind]:
            print(latency_line(label, by_kind[kind]))
    by_page = defaultdict(list)
    for sample in by_kind["page"]:
        by_page[sample.name].append(sample)
    print("  page views by page (slowest p95 first)")
    ranked = sorted(
        by_page.items(),
        key=lambda item: -percentile([s.ms for s in item[1]], 0.95),
    )
    for name, page_samples in ranked:
        print(latency_line(name, page_samples))
    signins = [s for s in samples if s.kind in ("sign-in", "code")]
    if signins:
        end = max(s.started + s.ms / 1000 for s in signins)
        during = [s.ms for s in by_kind["page"] if not s.error and s.started < end]
        after = [s.ms for s in by_kind["page"] if not s.error and s.started >= end]
        print(
            f"  page views while the {len(by_kind['sign-in'])} sign-ins were under way "
            f"(0-{end:.0f} s): "
            + (f"p95 {percentile(during, 0.95):.0f} ms of {len(during)}" if during else "none")
            + "; after them: "
            + (f"p95 {percentile(after, 0.95):.0f} ms of {len(after)}" if after else "none")
        )
    print(f"  timeline ({WINDOW:.0f} s windows): requests per second, page p95 ms, errors")
    windows = defaultdict(list)
    for sample in samples:
        windows[int(sample.started // WINDOW)].append(sample)
    for index in sorted(windows):
        window = windows[index]
        pages = [s.ms for s in window if s.kind == "page" and not s.error]
        p95 = f"{percentile(pages, 0.95):.0f}" if pages else "-"
        kinds = Counter(s.kind for s in window)
        mix = ", ".join(f"{kinds[k]} {k}" for k in ("sign-in", "upload", "score") if kinds[k])
        print(
            f"    {index * WINDOW:>4.0f}-{(index + 1) * WINDOW:<4.0f} s: "
            f"{len(window) / WINDOW:>5.1f}/s, p95 {p95:>5}, "
            f"{sum(1 for s in window if s.error)} errors ({mix})"
        )
    server_cpu, client_cpu, database_cpu, busy, whole = cpu
    print(
        f"  CPU during the load: gunicorn {server_cpu:.1f} s, PostgreSQL (this database's "
        f"backends) {database_cpu:.1f} s, this client {client_cpu:.1f} s; the machine busy "
        f"{busy:.1f} of {whole:.1f} CPU-seconds (everything else, other users included: "
        f"{busy - server_cpu - client_cpu - database_cpu:.1f} s); gunicorn "
        f"{server_cpu / max(len(samples), 1) * 1000:.0f} ms of CPU per request on average"
    )
    pages = [s.ms for s in by_kind["page"] if not s.error]
    p95 = percentile(pages, 0.95) if pages else float("inf")
    met = not errors and p95 < target
    print(
        f"  target: no errors and p95 under {target:.0f} ms for page views: "
        f"{'met' if met else 'NOT met'} ({len(errors)} errors, page view p95 {p95:.0f} ms)"
    )
    return met


# --------------------------------------------------------------------------- main


def main():
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="ea-bench-deadline-"))
    (scratch / "bench_deadline_settings.py").write_text(SETTINGS_MODULE)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_deadline_settings",
        "PYTHONPATH": os.pathsep.join([str(scratch), str(ROOT)]),
        "BENCH_STATIC_ROOT": str(scratch / "static"),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "true",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "CELERY_BROKER_URL": BROKER,
        "DJANGO_MEDIA_ROOT": str(scratch / "media"),
        "TMPDIR": str(scratch),  # the uploads' temporary files, removed with the rest
    }
    os.environ.update(env)
    sys.path[:0] = [str(scratch), str(ROOT)]
    password = secrets.token_urlsafe(18)
    postgres("dropdb", "--if-exists", "--force")
    postgres("createdb")
    server = None
    try:
        import django

        django.setup()
        from django.db import connections

        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        print(
            f"Deadline day under load: gunicorn gthread {WORKERS} workers x {THREADS} threads, "
            "production settings, PostgreSQL"
        )
        print(f"  {os.cpu_count()} CPUs, load average at the start {load}")
        data = build(password, print)
        connections.close_all()
        pdf = build_pdf(UPLOAD_BYTES)
        (scratch / "check.pdf").write_bytes(pdf)
        from evidence.filecheck import check_file

        check_file(scratch / "check.pdf", "evidence.pdf")  # raises FileRefused if not valid
        server = Server(env, scratch / "gunicorn.log")
        cycle, domains = data["cycle"], data["domains"]

        # Once, before the load: the upload really goes through and is stored.
        smoke = data["smoke"]
        recorder = Recorder(time.perf_counter())
        until = time.perf_counter() + 120
        browser = Browser(server.port, recorder, threading.Event(), until, think=(0, 0))
        with contextlib.suppress(UserFailed):  # recorded; reported below
            lead_journey(browser, smoke, password, cycle, domains, pdf, seeded(0), 0)
        uploads = [s for s in recorder.samples if s.kind == "upload"]
        items, sizes = stored_uploads([smoke.email])
        connections.close_all()
        if recorder.failed_users or any(s.error for s in recorder.samples):
            print(server.tail(), file=sys.stderr)
            errors = [f"{s.error} {recorder.examples.get(s.error, '')[:300]}"
                      for s in recorder.samples if s.error]  # fmt: skip
            raise SystemExit(f"smoke test failed: {errors}")
        if len(uploads) != 1 or items != 1 or sizes != [UPLOAD_BYTES]:
            raise SystemExit(f"smoke test: upload not stored ({items} items, sizes {sizes})")
        print(
            f"  smoke test: a {UPLOAD_BYTES / 1e6:.0f} MB PDF (passes evidence.filecheck) "
            f"uploaded through the form: redirected to the domain page, which lists it; "
            f"1 evidence item with a {sizes[0]:,}-byte file stored ({uploads[0].ms:.0f} ms)"
        )

        users = len(data["leads"]) + len(data["assessors"])
        pace = max(1.0, data["hash_ms"] / REFERENCE_HASH_MS)
        ramp, duration = RAMP * pace, DURATION * pace
        think = (THINK[0] * pace, THINK[1] * pace)
        target = TARGET_P95_MS * pace
        if pace > 1:
            print(
                f"  this machine is slower than the reference ({data['hash_ms']:.0f} ms a hash, "
                f"not {REFERENCE_HASH_MS:.0f}): the load is paced {pace:.2f} times slower "
                f"and the target is {target:.0f} ms (the same CPU asked for per second)"
            )
        print(
            f"  load: {users} virtual users ({len(data['leads'])} leads, "
            f"{len(data['assessors'])} assessors) starting over {ramp:.0f} s, "
            f"{duration:.0f} s in all, think time {think[0]:.1f}-{think[1]:.1f} s, "
            "a new loopback connection per request"
        )
        stop = threading.Event()
        rng = seeded(2026)
        plans = [("lead", lead) for lead in data["leads"]]
        plans += [("assessor", email) for email in data["assessors"]]
        rng.shuffle(plans)
        workers_before = set(server.workers())
        backends = database_backends()
        cpu_before = (server.cpu(), own_cpu(), 0.0, *machine_cpu())
        recorder = Recorder(time.perf_counter())
        until = recorder.began + duration
        threads = []
        for n, (role, plan) in enumerate(plans):
            browser = Browser(server.port, recorder, stop, until, think=think)
            user_rng = seeded(n)
            if role == "lead":
                args = (lead_journey, browser, ramp * n / users, plan, password, cycle,
                        domains, pdf, user_rng, LEAD_PAGE_VIEWS)  # fmt: skip
            else:
                args = (assessor_journey, browser, ramp * n / users, plan, password,
                        data["keys"].get(plan), domains, user_rng)  # fmt: skip
            thread = threading.Thread(target=run_user, args=args, daemon=True)
            thread.start()
            threads.append(thread)
        try:
            for thread in threads:
                thread.join(timeout=max(until + REQUEST_TIMEOUT + 5 - time.perf_counter(), 0.1))
        finally:
            stop.set()
        elapsed = time.perf_counter() - recorder.began
        database = sum(cpu - backends.get(pid, 0.0) for pid, cpu in database_backends().items())
        cpu_after = (server.cpu(), own_cpu(), database, *machine_cpu())
        cpu = tuple(b - a for a, b in zip(cpu_before, cpu_after, strict=True))
        still = sum(thread.is_alive() for thread in threads)
        if still:
            print(f"  {still} virtual users were still waiting for an answer at the end")
        restarted = set(server.workers()) - workers_before
        if restarted:
            print(f"  gunicorn replaced {len(restarted)} workers during the load (timeouts?)")
        met = report(recorder, elapsed, cpu, users, target)

        uploaded = sum(1 for s in recorder.samples if s.kind == "upload" and not s.error)
        items, sizes = stored_uploads([lead.email for lead in data["leads"]])
        scored = sum(1 for s in recorder.samples if s.kind == "score" and not s.error)
        scores, events = stored_scores(data["assessors"])
        connections.close_all()
        right_size = sum(1 for size in sizes if size == UPLOAD_BYTES)
        print(
            f"  in the database: {items} file evidence items from the leads, {right_size} "
            f"files of {UPLOAD_BYTES:,} bytes ({uploaded} uploads redirected); {scores} domain "
            f"scores with {events} score events ({scored} score posts redirected)"
        )
        if items != uploaded or right_size != uploaded:
            print("  MISMATCH: not every upload that redirected left its file", file=sys.stderr)
            met = False
        log = server.tail(15).strip()
        if log and (recorder.failed_users or not met):
            print("  gunicorn log (last lines):\n" + log)
        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        print(f"  whole benchmark: {time.perf_counter() - started:.0f} s; load average {load}")
        return met
    finally:
        if server is not None:
            server.stop()
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        shutil.rmtree(scratch, ignore_errors=True)
        postgres("dropdb", "--if-exists", "--force")


if __name__ == "__main__":
    # With --check (CI's load step), a missed target fails the run.
    met = main()
    sys.exit(1 if "--check" in sys.argv[1:] and not met else 0)
