#!/usr/bin/env bash
# Back up Engagement Assessment: the database, then the media folder (uploaded
# evidence and rendered letters), into one folder that scripts/restore.sh takes:
#
#   database.dump   pg_dump --format=custom --no-owner of the database
#   media/          a copy of DJANGO_MEDIA_ROOT (cp -a)
#   SHA256SUMS      sha256sum of database.dump and of every file under media/
#   manifest.txt    when, which database, what it holds (counts)
#
# The database is dumped first: rows point at media files, so a media copy taken
# after the dump holds every file the dump refers to. See docs/deploy.md.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/backup.sh [BACKUP_DIR]

Backs up the database named by DATABASE_URL and the media folder DJANGO_MEDIA_ROOT
into BACKUP_DIR (default: ./backup-YYYYMMDDTHHMMSSZ, the time in UTC). BACKUP_DIR
must not exist yet, or be empty. Nothing is written there unless the backup
completes: it is built in BACKUP_DIR.incomplete and renamed at the end.

Environment:
  DATABASE_URL       postgres://USER[:PASSWORD]@HOST[:PORT]/NAME  (required)
  DJANGO_MEDIA_ROOT  the media folder, e.g. /data/media              (required)

Needs pg_dump and psql (PostgreSQL client 15 or newer) and sha256sum.
USAGE
}

die() {
  echo "backup.sh: $*" >&2
  exit 1
}

# DATABASE_URL -> DB_NAME, DB_URI, DB_ADMIN_URI, PGPASSWORD (see the file).
# shellcheck source=lib/database_url.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/database_url.sh"

case ${1:-} in
  -h | --help)
    usage
    exit 0
    ;;
  -*)
    usage >&2
    exit 2
    ;;
esac
[[ $# -le 1 ]] || {
  usage >&2
  exit 2
}

[[ -n ${DATABASE_URL:-} ]] || die "set DATABASE_URL (see --help)"
[[ -n ${DJANGO_MEDIA_ROOT:-} ]] || die "set DJANGO_MEDIA_ROOT (see --help)"
[[ ${DJANGO_STORAGE:-local} == local ]] \
  || die "DJANGO_STORAGE=${DJANGO_STORAGE}: this script copies a media folder on disk; back up the bucket with the storage provider's tools"
[[ -n ${DJANGO_MEDIA_ROOT%/} ]] || die "DJANGO_MEDIA_ROOT must not be /"
[[ -d $DJANGO_MEDIA_ROOT ]] || die "DJANGO_MEDIA_ROOT ${DJANGO_MEDIA_ROOT} is not a folder"
for tool in pg_dump psql sha256sum; do
  command -v "$tool" >/dev/null || die "${tool} not found on PATH"
done
parse_database_url "$DATABASE_URL"

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
target=${1:-backup-$(date -u +%Y%m%dT%H%M%SZ)}
target=${target%/}
if [[ -e $target ]]; then
  [[ -d $target ]] || die "${target} exists and is not a folder"
  [[ -z $(find "$target" -mindepth 1 -print -quit) ]] || die "${target} is not empty"
fi
work="${target}.incomplete"
[[ ! -e $work ]] || die "${work} exists (left by a failed backup?): remove it first"

# The backup holds personal data: readable by its owner only.
umask 077
mkdir -p "$work"
cleanup() {
  local status=$?
  rm -rf -- "$work"
  [[ $status -eq 0 ]] || echo "backup.sh: failed; nothing was written to ${target}" >&2
}
trap cleanup EXIT

psql_value() {
  psql --dbname="$DB_URI" --no-psqlrc --quiet --tuples-only --no-align \
    --set=ON_ERROR_STOP=1 --command="$1"
}

echo "Dumping database ${DB_NAME}..."
server_version=$(psql_value "SHOW server_version")
# Rows that point at stored files, counted just before the dump (writes in between are in
# the dump but not in these counts).
count_rows() {
  if [[ $(psql_value "SELECT to_regclass('$1') IS NOT NULL") == t ]]; then
    psql_value "SELECT count(*) FROM $1"
  else
    echo 0
  fi
}
evidence_files=$(count_rows evidence_evidencefile)
letters=$(count_rows letters_document)
pg_dump --dbname="$DB_URI" --format=custom --no-owner --file="${work}/database.dump"

echo "Copying media from ${DJANGO_MEDIA_ROOT}..."
mkdir "${work}/media"
cp -a -- "${DJANGO_MEDIA_ROOT%/}/." "${work}/media/"

echo "Computing SHA256SUMS..."
(
  cd "$work"
  sha256sum database.dump
  find media -type f -print0 | LC_ALL=C sort -z | xargs -0 --no-run-if-empty sha256sum --
) >"${work}/SHA256SUMS"

media_files=$(find "${work}/media" -type f | wc -l)
media_bytes=$(find "${work}/media" -type f -printf '%s\n' | awk '{ total += $1 } END { print total + 0 }')
{
  echo "backup_started=${started}"
  echo "backup_finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "database=${DB_NAME}"
  echo "server_version=${server_version}"
  echo "pg_dump=$(pg_dump --version)"
  echo "dump_bytes=$(stat -c %s "${work}/database.dump")"
  echo "evidence_files=${evidence_files}"
  echo "letters=${letters}"
  echo "media_files=${media_files// /}"
  echo "media_bytes=${media_bytes}"
} >"${work}/manifest.txt"

[[ ! -d $target ]] || rmdir -- "$target"
mv -- "$work" "$target"
trap - EXIT
echo "Backup written to ${target}: database ${DB_NAME}, ${media_files// /} media files."
