"""Benchmarks: ``make bench`` prints figures (no pass/fail; compare runs by eye or in CI logs).

Runs against a throwaway test database on the configured PostgreSQL (the test
settings), so it never touches real data. Figures: the register import, a cycle
load, the median and p95 time of the main pages through Django's test client, and
the scoring rules' throughput.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.test import Client  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def page_times(client, url, rounds=ROUNDS):
    times = []
    for _ in range(rounds):
        elapsed, response = timed(lambda: client.get(url))
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        times.append(elapsed * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def main():
    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        from accounts.demo import seed_demo
        from assessment import scoring
        from assessment.services import SHIPPED_FRAMEWORKS, load_cycle
        from ccgs.services import SHIPPED_REGISTERS, import_register

        print(f"Benchmarks ({ROUNDS} rounds per page, PostgreSQL test database)")
        for year, path in SHIPPED_REGISTERS.items():
            first, report = timed(lambda p=path, y=year: import_register(p, y))
            again, _ = timed(lambda p=path, y=year: import_register(p, y))
            print(
                f"  import_ccgs {year}: {report.total} CCGs, first {first * 1000:.0f} ms, "
                f"unchanged re-run {again * 1000:.0f} ms"
            )
        elapsed, _ = timed(lambda: load_cycle(SHIPPED_FRAMEWORKS[1]))
        print(f"  load_cycle 2019/20 (unchanged): {elapsed * 1000:.0f} ms")
        seed_demo(log=lambda line: None)

        client = Client()
        client.post(
            "/sign-in/", {"username": "admin@example.com", "password": "demo-Engagement-2026"}
        )
        for label, url in [
            ("home (admin)", "/"),
            ("register, all CCGs, page 1", "/register/"),
            ("register, April 2019 filtered", "/register/?year=2019&q=NHS"),
            ("CCG page", "/register/07J/"),
            ("cycle 2019/20 framework", "/cycles/2019-20/"),
        ]:
            median, p95 = page_times(client, url)
            print(f"  GET {label}: median {median:.1f} ms, p95 {p95:.1f} ms")

        moderator = Client()
        moderator.post(
            "/sign-in/",
            {"username": "moderator@example.com", "password": "demo-Engagement-2026"},
        )
        for label, url in [
            ("moderation queue (43 assessed CCGs)", "/moderation/2019-20/"),
            ("insight (kappa, deviations, charts)", "/insight/2019-20/"),
        ]:
            median, p95 = page_times(moderator, url)
            print(f"  GET {label}: median {median:.1f} ms, p95 {p95:.1f} ms")

        scores = {"A": 2, "B": 2, "C": 2, "D": 1, "E": 2}
        n = 100_000
        elapsed, _ = timed(lambda: [scoring.rate(scores) for _ in range(n)])
        print(f"  scoring.rate: {n / elapsed:,.0f} ratings per second")
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
