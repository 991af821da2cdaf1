"""Bulk rendering of the outcome letters by real Celery workers: time and peak memory.

A throwaway PostgreSQL database holds the 2019/20 cycle and the 191 CCGs of the April 2019
register, each with a submission and a final rating (scores spread so every RAGG band
appears). For 1 and then 2 worker processes a real ``celery worker`` (prefork pool, the
real Redis broker on a database number the tests do not use) is started and pinged
before the clock starts; a run of letters only is started with ``start_run`` and timed
until ``run_progress`` says it has finished. The letters are deleted (rows and files)
between the two, so both really render. Then one figure for the summaries, 2 workers.
The peak resident memory (VmHWM in /proc) of the worker's pool processes is read before
the worker is stopped. Rendering is CPU-bound and these machines have 2 cores: anything
else running (a test suite) slows it, so the CPU the rest of the machine used is printed.

The worker runs the local settings (DEBUG off) rather than the test settings, which fix
MEDIA_ROOT to .test-media: the PDFs go to a scratch folder, never next to the tests'.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DATABASE = "ea_bench_letters"
BROKER = "redis://127.0.0.1:6379/14"  # the tests use 15, make check-deploy 0
CCGS = 191
TARGET_SECONDS = 12.0  # all 191 letters rendered and stored, 2 worker processes
START_TIMEOUT = 30.0
RUN_TIMEOUT = 60.0


def postgres(*command: str) -> None:
    """``createdb`` or ``dropdb`` of the scratch database (without "does not exist" notices)."""
    env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    subprocess.run([*command, "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True, env=env)


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (the prefork pool of a worker)."""
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
    """User plus system CPU time of ``pid`` so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine since boot, from /proc/stat."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - ticks[3] - ticks[4]) / hz, sum(ticks) / hz


def vm_hwm_kib(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", text).group(1))


class Worker:
    """``celery worker`` in its own session; ``stop`` is a warm shutdown (SIGTERM)."""

    def __init__(self, app, concurrency: int, env: dict, log_path: Path):
        self.app = app
        self.concurrency = concurrency
        self.name = f"bench-letters-{concurrency}-{os.getpid()}@{socket.gethostname()}"
        self.log_path = log_path
        self.log = log_path.open("ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "config", "worker", "--pool", "prefork",
             "--concurrency", str(concurrency), "-Q", "celery", "-n", self.name,
             "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
             "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = started + START_TIMEOUT
        try:
            while not app.control.ping(destination=[self.name], timeout=0.25):
                if self.process.poll() is not None:
                    code = self.process.returncode
                    raise SystemExit(f"the worker exited ({code}):\n{self.tail()}")
                if time.perf_counter() > deadline:
                    raise SystemExit(f"the worker did not answer a ping in {START_TIMEOUT:.0f} s")
        except BaseException:
            self.stop()
            raise
        self.startup = time.perf_counter() - started

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def pool(self) -> list[int]:
        return children_of(self.process.pid)

    def peak_rss_kib(self) -> tuple[int, list[int]]:
        """(the main process's VmHWM, each pool process's VmHWM)."""
        return vm_hwm_kib(self.process.pid), [vm_hwm_kib(pid) for pid in self.pool()]

    def cpu(self) -> tuple[float, float]:
        """CPU seconds so far: (the main process, the pool processes together)."""
        return cpu_seconds(self.process.pid), sum(cpu_seconds(pid) for pid in self.pool())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


def build(cycle_path, log):
    """The cycle, 191 CCGs with a submission each, and a final rating each (every band)."""
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from assessment.models import Rating
    from assessment.moderation import record_rating
    from assessment.services import load_cycle
    from ccgs.services import SHIPPED_REGISTERS, import_register
    from evidence.models import Submission
    from evidence.services import open_submissions

    call_command("migrate", verbosity=0)
    import_register(SHIPPED_REGISTERS[2019], 2019)
    cycle = load_cycle(cycle_path).cycle
    opened = open_submissions(cycle)
    if opened != CCGS:
        raise SystemExit(f"expected {CCGS} submissions, opened {opened}")
    Submission.objects.filter(cycle=cycle).update(status="submitted", submitted_at=timezone.now())
    admin = User.objects.create_superuser("bench.admin@example.com", full_name="Bench Admin")
    moderator = User.objects.create_user("bench.moderator@example.com", full_name="Bench Mod")
    for i, submission in enumerate(
        Submission.objects.filter(cycle=cycle).select_related("cycle").order_by("ccg__name")
    ):
        total = (i * 7) % 16  # 0-15, every total (and so every band) several times
        scores = {code: total // 5 + (n < total % 5) for n, code in enumerate("ABCDE")}
        record_rating(submission, scores, proposed_by=moderator, confirmed_by=admin)
    bands = sorted(set(Rating.objects.values_list("band_label", flat=True)))
    log(f"  data: {CCGS} CCGs rated, bands {', '.join(bands)}")
    return cycle, admin


def forget_documents(cycle) -> int:
    """Delete the cycle's runs, jobs and documents (rows and files), so the next renders."""
    from letters.models import Document, RenderRun

    RenderRun.objects.filter(cycle=cycle).delete()  # and their jobs
    documents = Document.objects.filter(submission__cycle=cycle)
    names = list(documents.values_list("file", flat=True))
    documents.delete()
    storage = Document._meta.get_field("file").storage
    for name in names:
        storage.delete(name)
    return len(names)


def timed_run(cycle, admin, kind: str, worker: Worker):
    """Start a run of one kind and poll until it has finished:
    (run, progress, seconds, seconds to the first job done, the worker's CPU seconds)."""
    from letters.selectors import run_progress
    from letters.services import start_run

    cpu_before = (*worker.cpu(), *machine_cpu())
    started = time.perf_counter()
    run = start_run(cycle, actor=admin, kinds=(kind,), source="bench")
    first = None
    while True:
        progress = run_progress(run)
        now = time.perf_counter()
        if first is None and progress.done + progress.failed:
            first = now - started
        if progress.finished:
            cpu_after = (*worker.cpu(), *machine_cpu())
            cpu = tuple(b - a for a, b in zip(cpu_before, cpu_after, strict=True))
            return run, progress, now - started, first, cpu
        if now - started > RUN_TIMEOUT:
            raise SystemExit(f"the run was not finished after {RUN_TIMEOUT:.0f} s: {progress}")
        time.sleep(0.05)


def report(label: str, worker: Worker, progress, seconds: float, first: float, cpu) -> None:
    main_kib, pool_kib = worker.peak_rss_kib()
    pool = ", ".join(f"{kib / 1024:.0f}" for kib in pool_kib)
    plural = "es" if worker.concurrency > 1 else ""
    print(
        f"  {label}, {worker.concurrency} worker process{plural}: {progress.rendered} rendered "
        f"in {seconds:.2f} s, {progress.rendered / seconds:.1f} per second "
        f"(first done after {first:.2f} s; worker start-up {worker.startup:.1f} s, not counted)"
    )
    main_cpu, pool_cpu, busy, whole = cpu
    print(
        f"    CPU during the run: pool processes {pool_cpu:.1f} s "
        f"({pool_cpu / progress.rendered * 1000:.0f} ms each), worker main process "
        f"{main_cpu:.1f} s; the machine busy {busy:.1f} of {whole:.1f} CPU-seconds "
        f"(everything else: PostgreSQL, Redis, this script, other users: "
        f"{busy - pool_cpu - main_cpu:.1f} s)"
    )
    print(
        f"    peak RSS: pool processes {pool} MiB (max {max(pool_kib) / 1024:.0f} MiB), "
        f"worker main process {main_kib / 1024:.0f} MiB"
    )


def check(run, progress, kind: str) -> None:
    from letters.models import Document, RenderJob

    if progress.failed:
        errors = set(
            RenderJob.objects.filter(run=run, status="failed").values_list("error", flat=True)
        )
        raise SystemExit(f"{progress.failed} {kind} jobs failed: {sorted(errors)[:3]}")
    if progress.rendered != CCGS:
        raise SystemExit(f"expected {CCGS} {kind}s rendered, got {progress}")
    stored = Document.objects.filter(submission__cycle=run.cycle, kind=kind).count()
    if stored != CCGS:
        raise SystemExit(f"expected {CCGS} {kind} documents stored, found {stored}")


def main():
    started = time.perf_counter()
    media = Path(tempfile.mkdtemp(prefix="ea-bench-letters-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "CELERY_BROKER_URL": BROKER,
        "DJANGO_MEDIA_ROOT": str(media / "media"),
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    postgres("dropdb", "--if-exists")
    postgres("createdb")
    workers: list[Worker] = []
    try:
        import django

        django.setup()
        from assessment.services import SHIPPED_FRAMEWORKS
        from config.celery_app import app

        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        print(f"Bulk letter rendering by Celery workers ({CCGS} CCGs, 2019/20, PostgreSQL)")
        print(f"  {os.cpu_count()} CPUs, load average at the start {load}")
        cycle, admin = build(SHIPPED_FRAMEWORKS[1], print)
        app.control.purge()  # nothing left over from an interrupted run
        log_path = media / "worker.log"
        results = {}
        for concurrency in (1, 2):
            if concurrency > 1:
                forget_documents(cycle)
            worker = Worker(app, concurrency, env, log_path)
            workers.append(worker)
            try:
                run, progress, seconds, first, cpu = timed_run(cycle, admin, "letter", worker)
                check(run, progress, "letter")
                report("letters", worker, progress, seconds, first, cpu)
                results[concurrency] = seconds
                if concurrency == 2:
                    run, progress, seconds, first, cpu = timed_run(cycle, admin, "summary", worker)
                    check(run, progress, "summary")
                    report("summaries", worker, progress, seconds, first, cpu)
            except SystemExit:
                print(worker.tail(), file=sys.stderr)
                raise
            finally:
                worker.stop()
                workers.remove(worker)
        verdict = "met" if results[2] <= TARGET_SECONDS else "NOT met"
        print(
            f"  target: all {CCGS} letters rendered and stored in {TARGET_SECONDS:.0f} s or less "
            f"with 2 worker processes: {verdict} ({results[2]:.2f} s; "
            f"2 workers vs 1: {results[1] / results[2]:.2f}x)"
        )
        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        print(f"  whole benchmark: {time.perf_counter() - started:.0f} s; load average {load}")
    finally:
        for worker in workers:
            worker.stop()
        if "config.celery_app" in sys.modules:
            sys.modules["config.celery_app"].app.control.purge()  # what a failed run left
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        shutil.rmtree(media, ignore_errors=True)
        postgres("dropdb", "--if-exists", "--force")


if __name__ == "__main__":
    main()
