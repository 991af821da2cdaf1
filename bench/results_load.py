"""The national dashboard and the read-only API under 50 concurrent clients.

A throwaway PostgreSQL database holds the April 2019 register (191 CCGs) and ten cycles,
2010/11 to 2019/20 (the shipped 2018/19 and 2019/20 frameworks and eight earlier copies
of 2019/20), each with a submission and a final rating for every CCG (1,910 ratings,
scores drawn from a seeded random sequence, bands from each cycle's table), and a
review's second rating for one CCG in ten. Nine cycles are released; 2019/20 is not
yet, so the API must leave its ratings out. gunicorn serves the production settings as
``bench/deadline_day.py`` does (its ``Server`` and ``Browser`` are reused: gthread 3
workers x 4 threads, behind a pretend TLS proxy).

50 clients run at once, each in a loop with no think time for BENCH_DURATION seconds
(default 60): 20 moderators (signed in first, with a code from an authenticator app)
open the dashboard of a released cycle (the newest released, 2018/19, compared with
2017/18, or another) and of the unreleased 2019/20; 30 API clients read released ratings
(a page of the list, filtered by cycle, region or band, or ordered), the cycles, and,
with a token, a CCG's history. Each answer is checked (status 200, JSON where JSON is
due, and no unreleased cycle's label in any API answer).

Printed: requests, requests per second, errors, and p50/p95/max latency per kind of
request, and the CPU used. No target: these are figures to compare between runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import deadline_day as base

DATABASE = "ea_bench_results"
BROKER = "redis://127.0.0.1:6379/8"
CYCLES = 10
MODERATORS = 20
API_CLIENTS = 30
DURATION = float(os.environ.get("BENCH_DURATION", "60"))
UNRELEASED = "2019/20"


def postgres(*command: str) -> None:
    import subprocess

    env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    subprocess.run([*command, "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True, env=env)


def build(password: str, log) -> dict:
    """The register, ten cycles with every CCG rated, moderators with apps, a token."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from assessment import scoring
    from assessment.models import Cycle, Domain, RaggBand, Rating
    from assessment.services import SHIPPED_FRAMEWORKS, load_cycle
    from ccgs.services import SHIPPED_REGISTERS, import_register
    from evidence.models import Submission

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    import_register(SHIPPED_REGISTERS[2019], 2019)
    shipped = [load_cycle(path).cycle for path in SHIPPED_FRAMEWORKS]
    template = next(c for c in shipped if c.label == "2019/20")
    cycles = list(shipped)
    for year in range(2010, 2010 + CYCLES - len(shipped)):
        label = f"{year}/{(year + 1) % 100:02d}"
        copy = Cycle.objects.create(
            label=label,
            slug=label.replace("/", "-"),
            framework_name=template.framework_name,
            indicator_name=template.indicator_name,
            guidance_section=template.guidance_section,
            guidance_title=template.guidance_title,
            framework_version=template.framework_version,
            register_year=year,
            period_start=template.period_start.replace(year=year),
            period_end=template.period_end.replace(year=year + 1),
            submission_opens=template.submission_opens.replace(year=year + 1),
            submission_deadline=template.submission_deadline.replace(year=year + 1),
        )
        RaggBand.objects.bulk_create(
            RaggBand(cycle=copy, code=b.code, label=b.label, minimum=b.minimum, maximum=b.maximum)
            for b in template.bands.all()
        )
        Domain.objects.bulk_create(
            Domain(cycle=copy, code=d.code, name=d.name, summary=d.summary)
            for d in template.domains.all()
        )
        cycles.append(copy)
    now = timezone.now()
    rng = base.seeded(2026)
    admin = User.objects.create_superuser("bench.admin@example.com", full_name="Bench Admin")
    from ccgs.models import CCG

    ccgs = list(CCG.objects.order_by("ods_code"))
    ratings = 0
    for cycle in sorted(cycles, key=lambda c: c.label):
        if cycle.label != UNRELEASED:
            cycle.released_at = now - timezone.timedelta(days=30)
        cycle.phase = Cycle.Phase.MODERATION if cycle.label == UNRELEASED else Cycle.Phase.CLOSED
        cycle.save()
        Submission.objects.bulk_create(
            Submission(ccg=ccg, cycle=cycle, status=Submission.Status.SUBMITTED, submitted_at=now)
            for ccg in ccgs
        )
        table = cycle.band_table()
        originals = []
        for submission in Submission.objects.filter(cycle=cycle):
            scores = {code: rng.choice((0, 1, 1, 2, 2, 2, 3, 3)) for code in scoring.DOMAIN_CODES}
            result = scoring.rate(scores, table)
            originals.append(
                Rating(
                    submission=submission,
                    scores=dict(result.scores),
                    total=result.total,
                    band_code=result.band.code,
                    band_label=result.band.label,
                    bands_version=cycle.bands_version,
                    proposed_by=admin,
                    confirmed_by=admin,
                    finalised_at=now,
                )
            )
        Rating.objects.bulk_create(originals)
        reviews = []
        for rating in Rating.objects.filter(submission__cycle=cycle)[::10]:
            scores = {**rating.scores, "D": min(rating.scores["D"] + 1, 3)}
            result = scoring.rate(scores, table)
            reviews.append(
                Rating(
                    submission_id=rating.submission_id,
                    scores=dict(result.scores),
                    total=result.total,
                    band_code=result.band.code,
                    band_label=result.band.label,
                    bands_version=cycle.bands_version,
                    source=Rating.Source.REVIEW,
                    proposed_by=admin,
                    confirmed_by=admin,
                    finalised_at=now,
                    supersedes=rating,
                )
            )
        Rating.objects.bulk_create(reviews)
        ratings += len(originals) + len(reviews)
    hashed = make_password(password)
    moderators = User.objects.bulk_create(
        User(
            email=f"bench.moderator{n:02d}@example.com",
            full_name=f"Moderator {n:02d}",
            password=hashed,
            is_moderator=True,
        )
        for n in range(MODERATORS)
    )
    keys = {user.email: secrets.token_hex(20) for user in moderators}
    TOTPDevice.objects.bulk_create(
        TOTPDevice(user=user, name="Authenticator app", key=keys[user.email], confirmed=True)
        for user in moderators
    )
    token = api_token(admin)
    released = sorted(c.slug for c in cycles if c.label != UNRELEASED)
    log(
        f"  data: {len(ccgs)} CCGs (register April 2019), {len(cycles)} cycles "
        f"({len(released)} released, {UNRELEASED} not), {ratings:,} ratings "
        f"({ratings - len(ccgs) * len(cycles)} of them a review's); {MODERATORS} moderators "
        "with an authenticator app; an API token"
    )
    from ccgs.models import Region

    return {
        "released": released,
        "unreleased": next(c.slug for c in cycles if c.label == UNRELEASED),
        "ods_codes": [c.ods_code for c in ccgs],
        "regions": list(Region.objects.values_list("name", flat=True)),
        "moderators": [u.email for u in moderators],
        "keys": keys,
        "token": token,
    }


def api_token(user) -> str:
    """A new API token of ``user`` (the key, shown once)."""
    from api.tokens import create_token

    return create_token(user, name="bench", lifetime=None).key


def moderator_journey(browser, email, password, key, data, rng) -> None:
    browser.sign_in(email, password)
    _, location, _ = browser.request(
        "page", "home (to the code page)", "GET", "/", expect=302,
        check=lambda location, html: "" if location.startswith("/sign-in/code/")
        else f"redirected to {location or 'nowhere'}",
    )  # fmt: skip
    token = browser.page("code page", location, form=True)
    fields = {"csrfmiddlewaretoken": token, "code": base.totp(key), "next": "/"}
    browser.request(
        "code", "code", "POST", location, urlencode(fields),
        {"Content-Type": "application/x-www-form-urlencoded"}, expect=302,
    )  # fmt: skip
    browser.ready.wait()
    newest = data["released"][-1]
    while browser.time_left():
        roll = rng.random()
        if roll < 0.6:
            browser.page("dashboard, newest released cycle", f"/results/{newest}/dashboard/")
        elif roll < 0.8:
            slug = rng.choice(data["released"])
            browser.page("dashboard, any released cycle", f"/results/{slug}/dashboard/")
        else:
            browser.page("dashboard, unreleased cycle", f"/results/{data['unreleased']}/dashboard/")


def api_journey(browser, data, rng) -> None:
    unreleased_label = UNRELEASED

    def clean(location, html):
        try:
            json.loads(html)
        except ValueError:
            return "not JSON"
        return f"{unreleased_label} in the answer" if unreleased_label in html else ""

    def get(name, path, headers=None):
        browser.request("api", name, "GET", path, headers={"Accept": "application/json",
                        **(headers or {})}, check=clean)  # fmt: skip

    browser.ready.wait()
    auth = {"Authorization": f"Bearer {data['token']}"}
    while browser.time_left():
        roll = rng.random()
        if roll < 0.35:
            get("ratings, a page", f"/api/v1/ratings/?page={rng.randint(1, 20)}")
        elif roll < 0.55:
            get("ratings of a cycle", f"/api/v1/ratings/?cycle={rng.choice(data['released'])}")
        elif roll < 0.7:
            query = urlencode({"region": rng.choice(data["regions"]), "ragg": "amber"})
            get("ratings by region and band", f"/api/v1/ratings/?{query}")
        elif roll < 0.8:
            get("cycles", "/api/v1/cycles/")
        else:
            ods = rng.choice(data["ods_codes"])
            get("a CCG's history (token)", f"/api/v1/ccgs/{ods}/history/", auth)


def latency_line(label: str, samples: list) -> str:
    ms = [s.ms for s in samples if not s.error]
    if not ms:
        return f"    {label:<40} {len(samples):>6}   (none succeeded)"
    return (
        f"    {label:<40} {len(samples):>6} {statistics.median(ms):>7.0f} "
        f"{base.percentile(ms, 0.95):>7.0f} {max(ms):>7.0f}"
    )


def run(journey, browser, *args) -> None:
    with contextlib.suppress(base.UserFailed):
        journey(browser, *args)


def main() -> None:
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="ea-bench-results-"))
    (scratch / "bench_deadline_settings.py").write_text(base.SETTINGS_MODULE)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_deadline_settings",
        "PYTHONPATH": os.pathsep.join([str(scratch), str(base.ROOT)]),
        "BENCH_STATIC_ROOT": str(scratch / "static"),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "true",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "CELERY_BROKER_URL": BROKER,
        "DJANGO_MEDIA_ROOT": str(scratch / "media"),
        # No throttling of anonymous API clients here: the bench's 30 clients come from
        # one address, which production throttles as one client.
        "DJANGO_API_ANONYMOUS_RATE": "1000000/minute",
    }
    os.environ.update(env)
    sys.path[:0] = [str(scratch), str(base.ROOT)]
    password = secrets.token_urlsafe(18)
    postgres("dropdb", "--if-exists", "--force")
    postgres("createdb")
    server = None
    try:
        import django

        django.setup()
        from django.db import connections

        print(
            f"Dashboard and API under {MODERATORS + API_CLIENTS} concurrent clients: gunicorn "
            f"gthread {base.WORKERS} workers x {base.THREADS} threads, production settings, "
            "PostgreSQL"
        )
        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        print(f"  {os.cpu_count()} CPUs, load average at the start {load}")
        data = build(password, print)
        connections.close_all()
        server = base.Server(env, scratch / "gunicorn.log")
        stop, ready = threading.Event(), threading.Event()
        signing_in = base.Recorder(time.perf_counter())
        recorder = base.Recorder(time.perf_counter())
        far = time.perf_counter() + 3600
        threads, browsers = [], []
        for n, email in enumerate(data["moderators"]):
            browser = base.Browser(server.port, signing_in, stop, far, think=(0, 0))
            browser.ready = ready
            browsers.append(browser)
            args = (moderator_journey, browser, email, password, data["keys"][email], data,
                    base.seeded(n))  # fmt: skip
            threads.append(threading.Thread(target=run, args=args, daemon=True))
        for n in range(API_CLIENTS):
            browser = base.Browser(server.port, recorder, stop, far, think=(0, 0))
            browser.ready = ready
            browsers.append(browser)
            args = (api_journey, browser, data, base.seeded(100 + n))
            threads.append(threading.Thread(target=run, args=args, daemon=True))
        for thread in threads:
            thread.start()
        # The moderators sign in first (not measured); then everyone starts at once.
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline:
            codes = sum(1 for s in signing_in.samples if s.kind == "code")
            failed = any(s.error for s in signing_in.samples)
            if codes == MODERATORS or failed:
                break
            time.sleep(0.2)
        if any(s.error for s in signing_in.samples):
            errors = {s.error for s in signing_in.samples if s.error}
            raise SystemExit(f"signing in failed: {errors}\n{server.tail()}")
        recorder.began = time.perf_counter()
        until = recorder.began + DURATION
        for browser in browsers:
            browser.recorder, browser.until = recorder, until
        cpu_before = server.cpu()
        ready.set()
        for thread in threads:
            thread.join(timeout=DURATION + base.REQUEST_TIMEOUT + 5)
        stop.set()
        elapsed = time.perf_counter() - recorder.began
        server_cpu = server.cpu() - cpu_before
        samples = recorder.samples
        errors = [s for s in samples if s.error]
        print(
            f"  load: {MODERATORS} moderators on the dashboard and {API_CLIENTS} API clients, "
            f"all at once, no think time, {DURATION:.0f} s"
        )
        print(
            f"  requests: {len(samples):,} in {elapsed:.1f} s: {len(samples) / elapsed:.1f} "
            f"per second; errors: {len(errors)}"
        )
        for kind in sorted({s.error for s in errors}):
            count = sum(1 for s in errors if s.error == kind)
            print(f"    {count:>5} x {kind} (e.g. {recorder.examples.get(kind, '')[:160]})")
        by_name = defaultdict(list)
        by_kind = defaultdict(list)
        for sample in samples:
            by_name[sample.name].append(sample)
            by_kind["dashboard" if sample.kind == "page" else "API"].append(sample)
        print(f"  latency, ms {'':<29} {'count':>6} {'p50':>7} {'p95':>7} {'max':>7}")
        for kind, kind_samples in sorted(by_kind.items()):
            rate = len(kind_samples) / elapsed
            print(latency_line(f"{kind}, all ({rate:.1f} per second)", kind_samples))
        for name, name_samples in sorted(by_name.items()):
            print(latency_line(f"  {name}", name_samples))
        print(
            f"  CPU: gunicorn {server_cpu:.1f} s, {server_cpu / max(len(samples), 1) * 1000:.0f}"
            f" ms per request on average"
        )
        print(f"  whole benchmark: {time.perf_counter() - started:.0f} s")
    finally:
        if server is not None:
            server.stop()
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        shutil.rmtree(scratch, ignore_errors=True)
        postgres("dropdb", "--if-exists", "--force")


if __name__ == "__main__":
    main()
