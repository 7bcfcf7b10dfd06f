# NAT instance set-up of cdk-orchestration's AppNetwork (Amazon Linux 2023). The user data sets
# NAT_STACK, NAT_RESOURCE and NAT_REGION before this script; CloudFormation waits for the signal
# it sends (the instance's CreationPolicy), so the private subnets' routes move to a new NAT
# instance only once it forwards.
#
# Fixes over aws-cdk-lib's default NAT user data: the package install is retried (a single
# `yum install` fails on AL2023 in a dnf race, aws-cdk issue #36717, and leaves the NAT not
# forwarding); `ip route` instead of `route`; `iptables-save` instead of `service` (AL2023 has
# no initscripts); and the result is checked and signalled instead of assumed.
#
# NAT_ROOT (tests only) prefixes every file path; NAT_ATTEMPTS and NAT_RETRY_SECONDS pace the retries.
set -uo pipefail
export PATH="$PATH:/usr/sbin:/sbin:/opt/aws/bin"
ROOT="${NAT_ROOT:-}"
ATTEMPTS="${NAT_ATTEMPTS:-30}"
RETRY_SECONDS="${NAT_RETRY_SECONDS:-10}"

log() { echo "nat-setup: $*"; }

signal() { # $1: exit code (0 = success), $2: reason
  cfn-signal --exit-code "$1" --reason "$2" --stack "$NAT_STACK" --resource "$NAT_RESOURCE" --region "$NAT_REGION" ||
    log "cfn-signal failed (CloudFormation will time out waiting for this instance)"
}

fail() {
  log "FAILED: $*"
  signal 1 "NAT set-up failed: $*"
  exit 1
}

# 1. iptables-services (the MASQUERADE rule, restored at boot), retried.
installed=0
for attempt in $(seq 1 "$ATTEMPTS"); do
  if dnf install -y iptables-services; then
    installed=1
    break
  fi
  log "dnf install iptables-services failed (attempt $attempt of $ATTEMPTS); retrying in ${RETRY_SECONDS}s"
  sleep "$RETRY_SECONDS"
done
[ "$installed" = 1 ] || fail "iptables-services was not installed after $ATTEMPTS attempts"
systemctl enable --now iptables || fail "could not start the iptables service"

# 2. IP forwarding, now and at every boot.
mkdir -p "$ROOT/etc/sysctl.d"
echo 'net.ipv4.ip_forward=1' > "$ROOT/etc/sysctl.d/90-nat-instance.conf"
sysctl -p "$ROOT/etc/sysctl.d/90-nat-instance.conf" || fail "could not turn on IP forwarding"

# 3. Masquerade what leaves through the default route's interface; forward everything
#    (the security group decides who may send through the NAT).
iface="$(ip route show default | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')"
[ -n "$iface" ] || fail "no default route"
iptables -t nat -C POSTROUTING -o "$iface" -j MASQUERADE 2>/dev/null ||
  iptables -t nat -A POSTROUTING -o "$iface" -j MASQUERADE || fail "could not add the MASQUERADE rule on $iface"
iptables -F FORWARD || fail "could not flush the FORWARD chain"
iptables -P FORWARD ACCEPT || fail "could not set the FORWARD policy"
mkdir -p "$ROOT/etc/sysconfig"
iptables-save > "$ROOT/etc/sysconfig/iptables" || fail "could not save the rules"

# 3b. Nothing logs in to a NAT instance (no key pair, no SSH): stop its sshd, so the private
#     subnets, which may send it anything to forward, find no listener on port 22 either.
systemctl disable --now sshd || log "could not stop sshd"

# 4. Check that the instance forwards, then tell CloudFormation.
[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || fail "IP forwarding is off"
iptables -t nat -C POSTROUTING -o "$iface" -j MASQUERADE || fail "the MASQUERADE rule on $iface is missing"
iptables -S FORWARD | grep -q -- '^-P FORWARD ACCEPT' || fail "the FORWARD chain does not accept"
if iptables -S FORWARD | grep -q -- '-j \(REJECT\|DROP\)'; then fail "the FORWARD chain rejects packets"; fi
grep -q -- "-A POSTROUTING -o $iface -j MASQUERADE" "$ROOT/etc/sysconfig/iptables" || fail "the saved rules lack the MASQUERADE rule"
log "forwarding through $iface"
signal 0 "NAT instance forwards through $iface"
