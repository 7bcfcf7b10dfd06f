#!/bin/bash
# cdk-orchestration, server style: the rolling update of ONE server, run by the fleet's SSM
# association (MaxConcurrency = serial servers at a time, MaxErrors = maxFailPercentage).
# It installs the release, restarts the app, and succeeds only once the app answers its health
# check AND it stayed up longer than nginx's fail_timeout, so that nginx routes to this server
# again before the next server goes down (the measured pitfall in the README: "Pacing").
# Parameters are substituted by SSM and constrained by the document's allowedPattern.
set -euo pipefail
APP='{{ appName }}'
SOURCE='{{ source }}'
VERSION='{{ version }}'
PORT='{{ port }}'
HEALTH_PATH='{{ healthCheckPath }}'
HEALTH_TIMEOUT='{{ healthCheckTimeoutSeconds }}'
PAUSE='{{ pauseSeconds }}'
KEEP='{{ keepReleases }}'
UNIT_B64='{{ unitFile }}'
ENV_B64='{{ environmentFile }}'
LAUNCHER_B64='{{ launcher }}'
log() { echo "[rollout ${APP} ${VERSION}] $*"; }
# Empty on servers; tests run the script against a scratch directory tree.
R="${ROLLOUT_ROOT:-}"

# 0. The server's bootstrap (user data: packages, app-user, log shipping) must be finished.
if command -v cloud-init >/dev/null 2>&1; then
  # (exit code 2 means "done with warnings" in newer cloud-init: only "status: error" is a failure)
  cloud-init status --wait >/dev/null 2>&1 || true
  if cloud-init status 2>/dev/null | grep -q 'status: error'; then log 'bootstrap (cloud-init) failed'; cloud-init status --long || true; exit 1; fi
fi
id app-user >/dev/null

ROOT="${R}/opt/${APP}"
REL="${ROOT}/releases/${VERSION}"
install -d -m 0755 "${ROOT}" "${ROOT}/releases" "${ROOT}/bin" "${R}/etc/${APP}" "${R}/etc/systemd/system"

# 1. Download and unpack the release beside the running one (no downtime yet). A release that
#    is already complete (a rollback, a re-run) is reused.
if [ ! -f "${REL}/.complete" ]; then
  rm -rf "${REL}"
  TMP="$(mktemp -d)"
  trap 'rm -rf "${TMP}"' EXIT
  aws s3 cp --only-show-errors "${SOURCE}" "${TMP}/release.zip"
  mkdir -p "${REL}"
  unzip -q "${TMP}/release.zip" -d "${REL}"
  chown -R root:root "${REL}"
  chmod -R u=rwX,go=rX "${REL}"
  touch "${REL}/.complete"
  log "unpacked ${SOURCE}"
fi

# 2. Configuration: root-owned files the app can read but not change.
echo "${ENV_B64}" | base64 -d > "${R}/etc/${APP}/app.env.new"
chown root:app-user "${R}/etc/${APP}/app.env.new"
chmod 0640 "${R}/etc/${APP}/app.env.new"
mv -f "${R}/etc/${APP}/app.env.new" "${R}/etc/${APP}/app.env"
echo "${LAUNCHER_B64}" | base64 -d > "${ROOT}/bin/start.new"
chmod 0755 "${ROOT}/bin/start.new"
mv -f "${ROOT}/bin/start.new" "${ROOT}/bin/start"
echo "${UNIT_B64}" | base64 -d > "${R}/etc/systemd/system/${APP}.service.new"
mv -f "${R}/etc/systemd/system/${APP}.service.new" "${R}/etc/systemd/system/${APP}.service"
ln -sfn "${REL}" "${ROOT}/current.new"
mv -Tf "${ROOT}/current.new" "${ROOT}/current"
systemctl daemon-reload
systemctl enable "${APP}.service" >/dev/null 2>&1

# 3. Restart: SIGTERM, the app drains; nginx retries this server's requests on the others.
log 'restarting'
systemctl restart "${APP}.service"

# 4. Healthy? A failure here fails this server's step, which counts against MaxErrors.
deadline=$((SECONDS + HEALTH_TIMEOUT))
until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${PORT}${HEALTH_PATH}" 2>/dev/null; do
  if [ "${SECONDS}" -ge "${deadline}" ]; then
    log "not healthy after ${HEALTH_TIMEOUT}s"
    systemctl status "${APP}.service" --no-pager || true
    tail -n 50 "${R}/var/log/${APP}/app.log" || true
    exit 1
  fi
  sleep 1
done
log "healthy on :${PORT}${HEALTH_PATH}"

# 5. Pace: stay up longer than nginx's fail_timeout before the next server may go down.
sleep "${PAUSE}"
if ! systemctl is-active --quiet "${APP}.service" || ! curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${PORT}${HEALTH_PATH}"; then
  log "stopped answering during the ${PAUSE}s pause"
  tail -n 50 "${R}/var/log/${APP}/app.log" || true
  exit 1
fi

# 6. Disk: keep the newest releases only (the current one always stays).
ls -1dt "${ROOT}"/releases/*/ 2>/dev/null | tail -n "+$((KEEP + 1))" | while read -r old; do
  if [ "${old%/}" != "${REL}" ]; then rm -rf "${old}"; fi
done
log 'done'
