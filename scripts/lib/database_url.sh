# Shared by backup.sh and restore.sh (sourced, not run): reading a DATABASE_URL without
# putting its password on a command line. The sourcing script defines die().

# Percent-decodes a URL component (%40 is @).
urldecode() {
  local rest=$1 out="" char
  while [[ $rest =~ ^([^%]*)%([0-9A-Fa-f]{2})(.*)$ ]]; do
    printf -v char "\\x${BASH_REMATCH[2]}"
    out+="${BASH_REMATCH[1]}${char}"
    rest=${BASH_REMATCH[3]}
  done
  printf '%s' "${out}${rest}"
}

# From a DATABASE_URL, sets DB_NAME (the database's name), DB_URI and DB_ADMIN_URI (libpq
# connection URIs for it and for the server's maintenance database, without the password)
# and exports PGPASSWORD, so that no password appears on a command line.
parse_database_url() {
  local url=$1 scheme rest query="" authority userinfo="" hostport user path base
  [[ $url == *://* ]] || die "DATABASE_URL is not a URL: postgres://USER[:PASSWORD]@HOST[:PORT]/NAME"
  scheme=${url%%://*}
  case $scheme in
    postgres | postgresql | pgsql | psql) ;;
    *) die "DATABASE_URL must be a PostgreSQL URL (postgres://...), not ${scheme}://..." ;;
  esac
  rest=${url#*://}
  if [[ $rest == *\?* ]]; then
    query="?${rest#*\?}"
    rest=${rest%%\?*}
  fi
  authority=${rest%%/*}
  path=""
  if [[ $rest == */* ]]; then
    path=${rest#*/}
  fi
  path=${path%/}
  [[ -n $path && $path != */* ]] || die "DATABASE_URL names no database (.../NAME at the end)"
  hostport=$authority
  if [[ $authority == *@* ]]; then
    userinfo=${authority%@*}
    hostport=${authority##*@}
  fi
  user=${userinfo%%:*}
  if [[ $userinfo == *:* ]]; then
    PGPASSWORD=$(urldecode "${userinfo#*:}")
    export PGPASSWORD
  fi
  DB_NAME=$(urldecode "$path")
  base="postgresql://${user:+${user}@}${hostport}"
  DB_URI="${base}/${path}${query}"
  DB_ADMIN_URI="${base}/${MAINTENANCE_DB:-postgres}${query}"
}
