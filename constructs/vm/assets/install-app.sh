#!/bin/bash
# Installs the app into an Amazon Linux 2023 image: Node.js, the CloudWatch agent, a non-root
# `app-user`, and the app's code (read-only, owned by root) in /opt/app. Run by the Image
# Builder component of VmService; teams that bake with Packer can run it as a shell provisioner:
#
#   NODE_MAJOR=22 APP_ARCHIVE=/tmp/app.zip bash install-app.sh
#
# The systemd unit, configuration and secret references are written at boot by user data, so a
# configuration change does not need a new image.
set -euo pipefail
: "${NODE_MAJOR:?set NODE_MAJOR, e.g. 22}"
: "${APP_ARCHIVE:?set APP_ARCHIVE to the app zip}"

dnf install -y "nodejs${NODE_MAJOR}" amazon-cloudwatch-agent unzip logrotate
node_bin=$(command -v "node-${NODE_MAJOR}" || command -v node)
ln -sf "$node_bin" /usr/local/bin/node
/usr/local/bin/node --version

id app-user >/dev/null 2>&1 || useradd --system --home-dir /opt/app --no-create-home --shell /sbin/nologin app-user

rm -rf /opt/app
install -d -m 0755 -o root -g root /opt/app
unzip -q "$APP_ARCHIVE" -d /opt/app
chown -R root:root /opt/app
chmod -R u=rwX,go=rX /opt/app
rm -f "$APP_ARCHIVE"

install -d -m 0750 -o app-user -g app-user /var/log/app
cat >/etc/logrotate.d/app <<'ROTATE'
/var/log/app/*.log {
  daily
  maxsize 50M
  rotate 5
  missingok
  notifempty
  compress
  copytruncate
}
ROTATE

dnf clean all
