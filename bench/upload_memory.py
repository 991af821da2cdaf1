"""Upload a 25 MB file to a real gunicorn worker and print the worker's peak memory.

Uploads are streamed to a temporary file and then to storage, never held whole in
memory; this measures that on the real stack: gunicorn (one sync worker) with the
test settings on a throwaway PostgreSQL database, a signed-in CCG lead, and a
multipart body streamed from disk over loopback. The worker's peak resident memory
(VmHWM in /proc) is read before and after; the growth should be far below 25 MB.
"""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DATABASE = "ea_bench_upload"
FILE_BYTES = 25 * 1000 * 1000  # 25 MB, under the 25 MiB limit
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "config.settings.test",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
}
SETUP = """
import django; django.setup()
from django.core.management import call_command
from accounts.models import CCGRole, User
from assessment.services import SHIPPED_FRAMEWORKS, load_cycle
from ccgs.services import SHIPPED_REGISTERS, import_register
from evidence.services import open_submissions
call_command("migrate", verbosity=0)
import_register(SHIPPED_REGISTERS[2019], 2019)
cycle = load_cycle(SHIPPED_FRAMEWORKS[1]).cycle
cycle.phase = "submission"; cycle.submission_deadline = __import__("datetime").date(2100, 1, 1)
cycle.save()
open_submissions(cycle)
user = User.objects.create_user("bench.lead@example.com", "bench-password-123", full_name="Bench")
from ccgs.models import CCG
CCGRole.objects.create(user=user, ccg=CCG.objects.get(ods_code="07J"), role="lead")
"""


def vm_hwm_kib(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", text).group(1))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Session:
    def __init__(self, port):
        self.port = port
        self.cookies = SimpleCookie()

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        headers.setdefault("Referer", f"http://127.0.0.1:{self.port}{path}")
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        connection.close()
        return response.status, payload.decode(errors="replace")

    def csrf(self, path):
        _, html = self.request("GET", path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def multipart_stream(path: Path, fields: dict, boundary: str):
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ).encode()
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{path.name}"\r\nContent-Type: text/plain\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + path.stat().st_size + len(tail)

    def chunks():
        yield head
        with path.open("rb") as handle:
            while chunk := handle.read(256 * 1024):
                yield chunk
        yield tail

    return length, chunks()


def main():
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True)
    with tempfile.TemporaryDirectory() as media:
        env = {**ENV, "DJANGO_MEDIA_ROOT": media}
        subprocess.run([PYTHON, "-c", SETUP], cwd=ROOT, env=env, check=True)
        port = free_port()
        server = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--timeout", "120", "--log-level", "warning"],
            cwd=ROOT, env=env, start_new_session=True,
        )  # fmt: skip
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            time.sleep(0.5)
            worker = int(
                subprocess.run(
                    ["pgrep", "-P", str(server.pid)],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.split()[0]
            )
            session = Session(port)
            token = session.csrf("/sign-in/")
            status, _ = session.request(
                "POST", "/sign-in/",
                urlencode({"csrfmiddlewaretoken": token, "username": "bench.lead@example.com",
                           "password": "bench-password-123"}),
                {"Content-Type": "application/x-www-form-urlencoded"},
            )  # fmt: skip
            if status != 302:
                raise SystemExit(f"sign-in failed ({status})")
            form = "/submissions/2019-20/07J/criterion/A1/file/"
            token = session.csrf(form)
            before = vm_hwm_kib(worker)

            with tempfile.NamedTemporaryFile(suffix=".txt") as big:
                line = b"Engagement evidence, line of plain text for the benchmark.\n"
                written = 0
                while written < FILE_BYTES:
                    piece = line[: FILE_BYTES - written]
                    big.write(piece)
                    written += len(piece)
                big.flush()
                boundary = uuid.uuid4().hex
                length, body = multipart_stream(
                    Path(big.name), {"csrfmiddlewaretoken": token, "description": "Bench"}, boundary
                )
                started = time.perf_counter()
                status, html = session.request(
                    "POST", form, body,
                    {"Content-Type": f"multipart/form-data; boundary={boundary}",
                     "Content-Length": str(length)},
                )  # fmt: skip
                elapsed = time.perf_counter() - started
            after = vm_hwm_kib(worker)
            if status != 302:
                raise SystemExit(f"upload refused ({status}): {html[:500]}")
            print("Upload of a 25 MB file to one gunicorn worker")
            print(f"  file size:                {FILE_BYTES / 1e6:.1f} MB")
            print(f"  upload and check time:    {elapsed:.2f} s")
            print(f"  worker peak RSS before:   {before / 1024:.1f} MiB")
            print(f"  worker peak RSS after:    {after / 1024:.1f} MiB")
            print(f"  growth during the upload: {(after - before) / 1024:.1f} MiB")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE], check=True
    )


if __name__ == "__main__":
    main()
