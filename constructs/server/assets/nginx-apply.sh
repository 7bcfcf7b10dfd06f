#!/bin/bash
# cdk-orchestration, server style: installs the rendered nginx.conf on the load balancer and
# reloads nginx (gracefully: old workers finish their requests). Run by the load balancer's
# SSM association whenever the config changes, which includes every change of the fleet's
# membership (the config lists the servers' addresses). A config nginx rejects fails the
# association, so the deploy fails and CloudFormation re-applies the previous config.
set -euo pipefail
CONFIG_B64='{{ config }}'
PORT='{{ listenPort }}'
HEALTH_PATH='{{ healthCheckPath }}'
if command -v cloud-init >/dev/null 2>&1; then
  cloud-init status --wait >/dev/null 2>&1 || true
  if cloud-init status 2>/dev/null | grep -q 'status: error'; then echo 'bootstrap (cloud-init) failed'; cloud-init status --long || true; exit 1; fi
fi
NEW=/etc/nginx/nginx.conf.cdk-new
echo "${CONFIG_B64}" | base64 -d > "${NEW}"
if ! nginx -t -q -c "${NEW}"; then
  echo 'nginx rejected the new configuration; keeping the running one'
  rm -f "${NEW}"
  exit 1
fi
if [ -f /etc/nginx/nginx.conf ]; then cp -f /etc/nginx/nginx.conf /etc/nginx/nginx.conf.previous; fi
mv -f "${NEW}" /etc/nginx/nginx.conf
if systemctl is-active --quiet nginx; then
  systemctl reload nginx
  echo 'nginx reloaded'
else
  systemctl enable --now nginx
  echo 'nginx started'
fi
for _ in $(seq 1 30); do
  if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${PORT}${HEALTH_PATH}"; then exit 0; fi
  sleep 1
done
echo "nginx does not answer http://127.0.0.1:${PORT}${HEALTH_PATH}"
exit 1
