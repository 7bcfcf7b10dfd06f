#!/bin/bash
# Installs the app's code (read-only, owned by root) into /opt/app of an Amazon Linux 2023 image.
# Run by the Image Builder component of VmService after the shared runtime install
# (constructs/shared/assets/install-runtime.sh: Node.js, the CloudWatch agent, `app-user`, the
# log directory and its rotation). Teams that bake with Packer run both as shell provisioners:
#
#   NODEJS_PACKAGE=nodejs22 APP_LOG_DIR=/var/log/app APP_HOME=/opt/app bash install-runtime.sh
#   APP_ARCHIVE=/tmp/app.zip bash install-app.sh
#
# The systemd unit, configuration and secret references are written at boot by user data, so a
# configuration change does not need a new image.
set -euo pipefail
: "${APP_ARCHIVE:?set APP_ARCHIVE to the app zip}"

rm -rf /opt/app
install -d -m 0755 -o root -g root /opt/app
unzip -q "$APP_ARCHIVE" -d /opt/app
chown -R root:root /opt/app
chmod -R u=rwX,go=rX /opt/app
rm -f "$APP_ARCHIVE"

dnf clean all
