#!/bin/bash
# cdk-orchestration, server style: starts the app (ExecStart of its systemd unit). For each
# <NAME>_SECRET_REF in the environment (secretsmanager:<id>[#field] or ssm:<name>, never a
# value) it reads the secret with the server's role into <NAME>, then runs the app's command.
set -euo pipefail
for ref_var in $(compgen -e | grep '_SECRET_REF$' || true); do
  name="${ref_var%_SECRET_REF}"
  ref="${!ref_var}"
  case "${ref}" in
    ssm:*)
      value="$(aws ssm get-parameter --with-decryption --name "${ref#ssm:}" --query Parameter.Value --output text)" ;;
    secretsmanager:*)
      id="${ref#secretsmanager:}"
      field=''
      if [[ "${id}" == *'#'* ]]; then field="${id##*#}"; id="${id%#*}"; fi
      value="$(aws secretsmanager get-secret-value --secret-id "${id}" --query SecretString --output text)"
      if [ -n "${field}" ]; then
        value="$(FIELD="${field}" node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.env.FIELD];if(v===undefined){console.error("no field "+process.env.FIELD);process.exit(1)}process.stdout.write(String(v))})' <<<"${value}")"
      fi ;;
    *)
      echo "${ref_var} is not a secret reference (secretsmanager:<id>[#field] or ssm:<name>)" >&2
      exit 1 ;;
  esac
  export "${name}=${value}"
  unset "${ref_var}"
done
exec "$@"
