#!/bin/bash
# cdk-orchestration (server and vm styles): installs the app's runtime on Amazon Linux 2023 as
# root: Node.js as /usr/local/bin/node, the CloudWatch agent, unzip, logrotate, the non-root
# `app-user`, its log directory and the rotation of its logs. Run by user data at first boot
# (server style) or by the Image Builder component (vm style; Packer users can run it as a shell
# provisioner):
#
#   NODEJS_PACKAGE=nodejs22 APP_LOG_DIR=/var/log/app APP_HOME=/opt/app bash install-runtime.sh
set -euo pipefail
: "${NODEJS_PACKAGE:?set NODEJS_PACKAGE, e.g. nodejs22}"
: "${APP_LOG_DIR:?set APP_LOG_DIR, e.g. /var/log/app}"
: "${APP_HOME:?set APP_HOME, e.g. /opt/app}"
# Package mirrors can be briefly unreachable while a fresh instance's network settles.
retry() { for i in 1 2 3 4 5 6 7 8 9 10; do "$@" && return 0; sleep $((i * 3)); done; return 1; }

retry dnf install -y "${NODEJS_PACKAGE}" amazon-cloudwatch-agent unzip logrotate
# AL2023's nodejs<N> packages install node-<N>; the default one also installs node.
node_bin=$(command -v "node-${NODEJS_PACKAGE#nodejs}" || command -v node)
ln -sf "$node_bin" /usr/local/bin/node
/usr/local/bin/node --version

id app-user >/dev/null 2>&1 || useradd --system --home-dir "${APP_HOME}" --no-create-home --shell /sbin/nologin app-user
install -d -m 0750 -o app-user -g app-user "${APP_LOG_DIR}"
cat >"/etc/logrotate.d/$(basename "${APP_LOG_DIR}")" <<ROTATE
${APP_LOG_DIR}/*.log {
  daily
  maxsize 100M
  rotate 7
  missingok
  notifempty
  compress
  copytruncate
}
ROTATE
