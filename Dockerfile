# Engagement Assessment: one image for every app process (gunicorn web, Celery
# worker, Celery beat, the one-shot migrate job). docker-compose.yml picks the
# process with `command:`; the default is the web server. See docs/deploy.md.
#
# Two stages share one base so the virtualenv's interpreter symlink
# (/app/.venv/bin/python -> /usr/local/bin/python3.11) and its scripts' shebangs
# (#!/app/.venv/bin/python) are valid in the runtime stage; uv itself stays in
# the builder and never reaches the final image.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------------------
# builder: resolve nothing, install exactly the pinned, hash-checked set in
# requirements/production.txt (compiled from pyproject.toml by `make lock`,
# the same lock CI's requirements/dev.txt comes from; no dev dependencies).
# ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

# Pinned so a build today and a build next year install the same way.
ARG UV_VERSION=0.13.9

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    VIRTUAL_ENV=/app/.venv \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1

RUN pip install "uv==${UV_VERSION}"

WORKDIR /app

# Only the lock file: this layer is rebuilt when it changes, not on every code
# edit. `uv pip sync` installs exactly that list (removing anything else) and
# refuses a package whose hash does not match.
COPY requirements/production.txt requirements/production.txt
RUN uv venv /app/.venv \
    && uv pip sync --require-hashes requirements/production.txt

# ---------------------------------------------------------------------------
# runtime
# ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/app/.venv \
    PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    DJANGO_MEDIA_ROOT=/data/media

# Shared libraries loaded at run time:
#   WeasyPrint (letters as PDF): Pango, PangoFT2, HarfBuzz (+ subset for font
#   embedding), Liberation fonts, shared-mime-info;
#   python-magic (upload type sniffing): libmagic1.
# psycopg2-binary bundles libpq, so libpq5 is not needed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        fonts-liberation2 \
        shared-mime-info \
        libmagic1 \
    && rm -rf /var/lib/apt/lists/*

# Unprivileged account the processes run as. Fixed ids so a host directory
# bind-mounted over /data/media can be chowned to match (10001:10001). It has a
# writable home of its own: gunicorn puts its control socket there
# (~/.gunicorn) and fontconfig, through WeasyPrint, its cache (~/.cache).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
        --shell /usr/sbin/nologin app \
    && mkdir -p /data/media \
    && chown app:app /data/media

WORKDIR /app

COPY --from=builder /app/.venv /app/.venv
# Source stays owned by root: the app user can read it but not change it.
COPY . /app

# Static files are collected into the image and served by WhiteNoise. The
# values below exist only for this RUN (they are not ENV, so they are not in
# the image's environment): production settings refuse to load without a
# secret key, and collectstatic never opens the database or the broker.
RUN DJANGO_SECRET_KEY=build-only-collectstatic-not-a-secret \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build:build@localhost:5432/build \
    CELERY_BROKER_URL=redis://localhost:6379/0 \
    DJANGO_EMAIL_URL=consolemail:// \
    python manage.py collectstatic --noinput

USER app

# /data/media (DJANGO_MEDIA_ROOT) holds uploaded evidence and rendered letters:
# mount a volume there (docker-compose.yml does). No VOLUME instruction, so an
# ad hoc `docker run` does not leave anonymous volumes behind.
EXPOSE 8000

# Default process: the web server. No HEALTHCHECK here because the worker,
# beat and migrate run this same image and serve no HTTP; the web service's
# health check (GET /healthz/) is in docker-compose.yml.
# /dev/shm for gunicorn's worker heartbeat files: a container's /tmp is on the
# overlay filesystem, which can stall the heartbeat under I/O load.
CMD ["gunicorn", "config.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--workers", "3", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-"]
