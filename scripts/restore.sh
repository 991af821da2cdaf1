#!/usr/bin/env bash
# Restore an Engagement Assessment backup made by scripts/backup.sh into a database
# and a media folder, then check every stored file and letter against its SHA-256
# (python manage.py verify_storage). See docs/deploy.md.
#
# In order, and stopping at the first failure:
#   1. the backup's SHA256SUMS are checked, and the dump read, before anything is touched;
#   2. the target database and media folder must be empty (unless --force);
#   3. the database is created if missing, and pg_restore'd into;
#   4. the media files are copied;
#   5. verify_storage reads every file back through the app's own storage.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/restore.sh [--force] BACKUP_DIR TARGET_DATABASE_URL TARGET_MEDIA_ROOT

Restores BACKUP_DIR (made by scripts/backup.sh) into the database TARGET_DATABASE_URL
(postgres://USER[:PASSWORD]@HOST[:PORT]/NAME; created if it does not exist) and the
folder TARGET_MEDIA_ROOT (created if it does not exist), then runs
`python manage.py verify_storage` against them.

Refuses a database that has any table, or a media folder that has any file, unless:
  --force   restore over them: pg_restore --clean --if-exists replaces the objects
            in the dump, and files of the same name in the media folder are
            overwritten (others are left where they are)

Environment:
  PYTHON                  the app's interpreter for verify_storage
                          (default: the checkout's .venv/bin/python, else python3)
  DJANGO_SETTINGS_MODULE  and the rest of the app's settings, as for any manage.py
                          command; DATABASE_URL and DJANGO_MEDIA_ROOT are set to the
                          targets for verify_storage
  MAINTENANCE_DB          database to connect to when creating the target
                          (default: postgres)

Needs pg_restore and psql (PostgreSQL client 15 or newer) and sha256sum.
USAGE
}

die() {
  echo "restore.sh: $*" >&2
  exit 1
}

# DATABASE_URL -> DB_NAME, DB_URI, DB_ADMIN_URI, PGPASSWORD (see the file).
# shellcheck source=lib/database_url.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/database_url.sh"

force=false
args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help)
      usage
      exit 0
      ;;
    --force)
      force=true
      ;;
    --)
      shift
      args+=("$@")
      break
      ;;
    -*)
      echo "restore.sh: unknown option $1" >&2
      usage >&2
      exit 2
      ;;
    *)
      args+=("$1")
      ;;
  esac
  shift
done
if [[ ${#args[@]} -ne 3 ]]; then
  usage >&2
  exit 2
fi
backup=${args[0]%/}
target_url=${args[1]}
media_root=${args[2]%/}
[[ -n $media_root ]] || die "TARGET_MEDIA_ROOT must not be /"
media_root=$(realpath -m -- "$media_root")  # verify_storage runs from the app's folder

[[ ${DJANGO_STORAGE:-local} == local ]] \
  || die "DJANGO_STORAGE=${DJANGO_STORAGE}: this script restores a media folder on disk"
for tool in pg_restore psql sha256sum; do
  command -v "$tool" >/dev/null || die "${tool} not found on PATH"
done
app_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -z ${PYTHON:-} ]]; then
  if [[ -x ${app_dir}/.venv/bin/python ]]; then
    PYTHON=${app_dir}/.venv/bin/python
  else
    PYTHON=python3
  fi
fi
command -v "$PYTHON" >/dev/null || die "${PYTHON} not found (set PYTHON to the app's interpreter)"
parse_database_url "$target_url"

# 1. The backup, before anything is touched.
[[ -d $backup ]] || die "${backup} is not a folder"
for part in database.dump SHA256SUMS manifest.txt; do
  [[ -f ${backup}/${part} ]] || die "${backup} is not a complete backup: no ${part}"
done
[[ -d ${backup}/media ]] || die "${backup} is not a complete backup: no media/"
echo "Checking ${backup}/SHA256SUMS..."
(cd "$backup" && sha256sum --check --strict --quiet SHA256SUMS) \
  || die "${backup} fails its SHA256SUMS: the backup is damaged, nothing was restored"
listed=$(grep -c '  media/' "${backup}/SHA256SUMS" || true)
present=$(find "${backup}/media" -type f | wc -l)
[[ $listed -eq $present ]] \
  || die "${backup}/media holds ${present} files but SHA256SUMS lists ${listed}: nothing was restored"
grep -q '  database.dump$' "${backup}/SHA256SUMS" \
  || die "${backup}/SHA256SUMS does not cover database.dump: nothing was restored"
pg_restore --list "${backup}/database.dump" >/dev/null \
  || die "pg_restore cannot read ${backup}/database.dump: nothing was restored"

# 2. The targets: empty, unless --force.
psql_admin() {
  psql --dbname="$DB_ADMIN_URI" --no-psqlrc --quiet --tuples-only --no-align \
    --set=ON_ERROR_STOP=1 --set=name="$DB_NAME" "$@"
}
exists=$(psql_admin <<<"SELECT count(*) FROM pg_database WHERE datname = :'name';")
if [[ $exists == 1 ]]; then
  tables=$(psql --dbname="$DB_URI" --no-psqlrc --quiet --tuples-only --no-align \
    --set=ON_ERROR_STOP=1 --command="
    SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'")
  if [[ $tables -gt 0 ]] && ! $force; then
    die "database ${DB_NAME} is not empty (${tables} tables and sequences): nothing was restored; --force restores over it"
  fi
else
  tables=0
fi
if [[ -e $media_root ]]; then
  [[ -d $media_root ]] || die "${media_root} is not a folder"
  if [[ -n $(find "$media_root" -mindepth 1 -print -quit) ]] && ! $force; then
    die "media folder ${media_root} is not empty: nothing was restored; --force restores over it"
  fi
fi

# From here on the targets change: say so if a step fails.
touched() {
  local status=$?
  [[ $status -eq 0 ]] \
    || echo "restore.sh: failed; database ${DB_NAME} and ${media_root} may be partly restored: fix the cause and run again with --force" >&2
}
trap touched EXIT

# 3. The database.
if [[ $exists != 1 ]]; then
  echo "Creating database ${DB_NAME}..."
  psql_admin <<<"CREATE DATABASE :\"name\" TEMPLATE template0 ENCODING 'UTF8';"
fi
restore_options=(--no-owner --no-privileges --exit-on-error)
if [[ $tables -gt 0 ]]; then
  restore_options+=(--clean --if-exists)
fi
echo "Restoring database ${DB_NAME}..."
pg_restore "${restore_options[@]}" --dbname="$DB_URI" "${backup}/database.dump"

# 4. The media files.
echo "Copying media to ${media_root}..."
mkdir -p -- "$media_root"
cp -a -- "${backup}/media/." "${media_root}/"

# 5. Every stored file and letter against its SHA-256, through the app.
echo "Verifying storage..."
trap - EXIT
if ! (
  cd "$app_dir" &&
  DATABASE_URL=$target_url DJANGO_MEDIA_ROOT=$media_root DJANGO_STORAGE=local \
    "$PYTHON" manage.py verify_storage
); then
  die "restored into database ${DB_NAME} and ${media_root}, but verify_storage failed (see above)"
fi
echo "Restored ${backup} into database ${DB_NAME} and ${media_root}."
