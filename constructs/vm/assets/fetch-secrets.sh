#!/bin/bash
# Resolves the app's secret REFERENCES into a systemd EnvironmentFile, at every start of the
# unit (ExecStartPre, as root, with the instance role's credentials). Nothing secret is baked
# into the image or written into user data: only references reach the instance.
#
#   fetch-secrets [REFS_FILE] [OUT_FILE]
#
# REFS_FILE holds lines `NAME=secretsmanager:<arn|name>[#json-field]` or `NAME=ssm:<name>`
# (default /etc/app/secrets.ref); OUT_FILE (default /run/app/secrets.env, tmpfs, mode 0600)
# receives `NAME="value"` lines. The AWS CLI v2 (preinstalled on Amazon Linux 2023) does the
# signed calls; Node.js extracts JSON fields. Values never reach stdout, stderr or the journal.
set -euo pipefail
set +x
refs=${1:-/etc/app/secrets.ref}
out=${2:-/run/app/secrets.env}
umask 077
mkdir -p "$(dirname "$out")"
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
[ -f "$refs" ] || { mv -f "$tmp" "$out"; trap - EXIT; exit 0; }

json_field() {
  node -e '
    const field = process.argv[1];
    let doc;
    try { doc = JSON.parse(require("fs").readFileSync(0, "utf8")); } catch { console.error("fetch-secrets: the secret is not JSON, cannot read field " + field); process.exit(3); }
    const v = doc === null || typeof doc !== "object" ? undefined : doc[field];
    if (v === undefined) { console.error("fetch-secrets: the secret has no field " + field); process.exit(3); }
    process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));
  ' "$1"
}

while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in '' | '#'*) continue ;; esac
  name=${line%%=*}
  ref=${line#*=}
  if ! [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
    echo "fetch-secrets: bad variable name in $refs: $name" >&2
    exit 2
  fi
  case "$ref" in
    ssm:*)
      value=$(aws ssm get-parameter --name "${ref#ssm:}" --with-decryption --query Parameter.Value --output text) ||
        { echo "fetch-secrets: $name: cannot read SSM parameter ${ref#ssm:}" >&2; exit 1; }
      ;;
    secretsmanager:*)
      id=${ref#secretsmanager:}
      field=
      if [[ $id == *'#'* ]]; then field=${id#*#}; id=${id%%#*}; fi
      value=$(aws secretsmanager get-secret-value --secret-id "$id" --query SecretString --output text) ||
        { echo "fetch-secrets: $name: cannot read secret $id" >&2; exit 1; }
      if [ -n "$field" ]; then value=$(printf '%s' "$value" | json_field "$field"); fi
      ;;
    *)
      echo "fetch-secrets: $name: not a secret reference (secretsmanager:... or ssm:...)" >&2
      exit 2
      ;;
  esac
  # systemd EnvironmentFile: double-quoted, with backslash and double quote escaped.
  value=${value//\\/\\\\}
  value=${value//\"/\\\"}
  printf '%s="%s"\n' "$name" "$value" >>"$tmp"
done <"$refs"
chmod 0600 "$tmp"
mv -f "$tmp" "$out"
trap - EXIT
