#!/bin/bash
# cdk-orchestration (server and vm styles): resolves the app's secret REFERENCES into values at
# every start of the app, with the instance role's credentials. Only references reach the
# instance (`secretsmanager:<arn|name>[#json-field]` or `ssm:<name>`, see lib/secret-ref.ts);
# values never reach stdout, stderr, the journal, user data or the image. The AWS CLI v2
# (preinstalled on Amazon Linux 2023) does the signed calls; Node.js extracts JSON fields.
#
#   app-secrets [REFS_FILE] [OUT_FILE]     (vm style: the unit's ExecStartPre, as root)
#     REFS_FILE holds lines `NAME=<reference>` (default /etc/app/secrets.ref); OUT_FILE (default
#     /run/app/secrets.env, tmpfs, mode 0600) receives systemd EnvironmentFile lines `NAME="value"`.
#     Nothing is written when a secret cannot be read.
#
#   app-secrets --exec COMMAND [ARGS...]   (server style: the unit's ExecStart, as app-user)
#     For each <NAME>_SECRET_REF=<reference> in the environment, exports NAME=<value> and unsets
#     the reference, then replaces itself with COMMAND.
#
# Exit codes: 1 a secret cannot be read, 2 a bad reference or name, 3 a missing JSON field.
set -euo pipefail
set +x

json_field() {
  node -e '
    const field = process.argv[1];
    let doc;
    try { doc = JSON.parse(require("fs").readFileSync(0, "utf8")); } catch { console.error("app-secrets: the secret is not JSON, cannot read field " + field); process.exit(3); }
    const v = doc === null || typeof doc !== "object" ? undefined : doc[field];
    if (v === undefined) { console.error("app-secrets: the secret has no field " + field); process.exit(3); }
    process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));
  ' "$1"
}

# resolve NAME REFERENCE: sets `value` to the secret, or exits.
resolve() {
  local name=$1 ref=$2 id field
  case "$ref" in
    ssm:*)
      value=$(aws ssm get-parameter --name "${ref#ssm:}" --with-decryption --query Parameter.Value --output text) ||
        { echo "app-secrets: $name: cannot read SSM parameter ${ref#ssm:}" >&2; exit 1; }
      ;;
    secretsmanager:*)
      id=${ref#secretsmanager:}
      field=
      if [[ $id == *'#'* ]]; then field=${id#*#}; id=${id%%#*}; fi
      value=$(aws secretsmanager get-secret-value --secret-id "$id" --query SecretString --output text) ||
        { echo "app-secrets: $name: cannot read secret $id" >&2; exit 1; }
      if [ -n "$field" ]; then value=$(printf '%s' "$value" | json_field "$field"); fi
      ;;
    *)
      echo "app-secrets: $name: not a secret reference (secretsmanager:<id>[#field] or ssm:<name>)" >&2
      exit 2
      ;;
  esac
}

if [ "${1:-}" = --exec ]; then
  shift
  [ $# -gt 0 ] || { echo "app-secrets: --exec needs a command" >&2; exit 2; }
  for ref_var in $(compgen -e | grep '_SECRET_REF$' || true); do
    resolve "${ref_var%_SECRET_REF}" "${!ref_var}"
    export "${ref_var%_SECRET_REF}=${value}"
    unset "${ref_var}"
  done
  exec "$@"
fi

refs=${1:-/etc/app/secrets.ref}
out=${2:-/run/app/secrets.env}
umask 077
mkdir -p "$(dirname "$out")"
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
[ -f "$refs" ] || { mv -f "$tmp" "$out"; trap - EXIT; exit 0; }
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in '' | '#'*) continue ;; esac
  name=${line%%=*}
  if ! [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
    echo "app-secrets: bad variable name in $refs: $name" >&2
    exit 2
  fi
  resolve "$name" "${line#*=}"
  # systemd EnvironmentFile: double-quoted, with backslash and double quote escaped.
  value=${value//\\/\\\\}
  value=${value//\"/\\\"}
  printf '%s="%s"\n' "$name" "$value" >>"$tmp"
done <"$refs"
chmod 0600 "$tmp"
mv -f "$tmp" "$out"
trap - EXIT
