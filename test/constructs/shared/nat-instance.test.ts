// The NAT instance's set-up script exactly as the synthesized user data ships it, run on this
// machine with stubs for what only the instance has (dnf, systemctl, sysctl, ip, iptables,
// cfn-signal) and its files under a scratch NAT_ROOT. It proves the retried install, the
// forwarding check and the signal CloudFormation's CreationPolicy waits for.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppNetwork } from '../../../constructs/shared/network';
import { testStack } from '../../helpers';
import { flatten } from '../server/template-text';

// State lives in files under $STATE, so each stub sees what the others did.
const STUBS: Record<string, string> = {
  dnf: `n=$(( $(cat "$STATE/dnf-calls" 2>/dev/null || echo 0) + 1 )); echo $n > "$STATE/dnf-calls"
[ "$n" -gt "\${DNF_FAILURES:-0}" ] || { echo "Error: dnf race (stub)" >&2; exit 1; }`,
  systemctl: 'echo "$*" >> "$STATE/systemctl.log"',
  sysctl: `case "$1" in
  -p) grep -q 'net.ipv4.ip_forward=1' "$2" && [ -z "\${FORWARD_STAYS_OFF:-}" ] && echo 1 > "$STATE/ip_forward"; exit 0 ;;
  -n) cat "$STATE/ip_forward" 2>/dev/null || echo 0 ;;
esac`,
  ip: 'echo "default via 10.0.0.1 dev ens5 proto dhcp src 10.0.0.10 metric 512"',
  iptables: `args="$*"
case "$args" in
  "-t nat -C POSTROUTING -o ens5 -j MASQUERADE") [ -f "$STATE/masquerade" ] ;;
  "-t nat -A POSTROUTING -o ens5 -j MASQUERADE") touch "$STATE/masquerade" ;;
  "-F FORWARD") rm -f "$STATE/forward-reject" ;;
  "-P FORWARD ACCEPT") touch "$STATE/forward-accept" ;;
  "-S FORWARD") if [ -f "$STATE/forward-accept" ]; then echo "-P FORWARD ACCEPT"; else echo "-P FORWARD DROP"; fi ;;
  *) echo "iptables stub: unexpected $args" >&2; exit 2 ;;
esac`,
  'iptables-save': '[ -f "$STATE/masquerade" ] && echo "-A POSTROUTING -o ens5 -j MASQUERADE"; echo COMMIT',
  'cfn-signal': 'echo "$*" >> "$STATE/signals.log"',
  sleep: 'exit 0',
};

let dir: string;
let script: string;
let natId: string;

beforeAll(() => {
  const stack = testStack();
  new AppNetwork(stack, 'Network');
  const [id, nat] = Object.entries(Template.fromStack(stack).findResources('AWS::EC2::Instance'))[0]! as [string, any];
  natId = id;
  script = flatten(nat.Properties.UserData);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nat-instance-'));
  fs.mkdirSync(path.join(dir, 'bin'));
  for (const [name, text] of Object.entries(STUBS)) fs.writeFileSync(path.join(dir, 'bin', name), `#!/bin/bash\n${text}\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'user-data.sh'), script, { mode: 0o755 });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the user data in a fresh state and root; returns its exit code, output and the stubs' records. */
function run(env: Record<string, string> = {}) {
  const state = fs.mkdtempSync(path.join(dir, 'state-'));
  const root = fs.mkdtempSync(path.join(dir, 'root-'));
  const r = spawnSync('bash', [path.join(dir, 'user-data.sh')], {
    env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, STATE: state, NAT_ROOT: root, ...env },
    encoding: 'utf8',
  });
  const read = (f: string) => (fs.existsSync(path.join(state, f)) ? fs.readFileSync(path.join(state, f), 'utf8') : '');
  return { status: r.status, output: r.stdout + r.stderr, signals: read('signals.log').trim().split('\n').filter(Boolean), dnfCalls: Number(read('dnf-calls') || 0), systemctl: read('systemctl.log'), root };
}

describe('the NAT instance set-up, as synthesized', () => {
  it('retries a failing dnf install, turns on forwarding and masquerading, saves them and signals success', () => {
    const r = run({ DNF_FAILURES: '2' });
    expect(r.status, r.output).toBe(0);
    expect(r.dnfCalls).toBe(3);
    expect(r.output).toContain('dnf install iptables-services failed (attempt 2 of 30)');
    expect(fs.readFileSync(path.join(r.root, 'etc/sysctl.d/90-nat-instance.conf'), 'utf8')).toBe('net.ipv4.ip_forward=1\n');
    expect(fs.readFileSync(path.join(r.root, 'etc/sysconfig/iptables'), 'utf8')).toContain('-A POSTROUTING -o ens5 -j MASQUERADE');
    expect(r.systemctl).toContain('enable --now iptables'); // restores the saved rules at every boot
    expect(r.systemctl).toContain('disable --now sshd');
    expect(r.signals).toEqual([`--exit-code 0 --reason NAT instance forwards through ens5 --stack Test --resource ${natId} --region eu-west-1`]);
  });

  it('signals failure (and exits non-zero) when the package never installs, so CloudFormation fails the NAT instead of routing into it', () => {
    const r = run({ DNF_FAILURES: '99', NAT_ATTEMPTS: '3' });
    expect(r.status).toBe(1);
    expect(r.dnfCalls).toBe(3);
    expect(r.signals).toEqual([`--exit-code 1 --reason NAT set-up failed: iptables-services was not installed after 3 attempts --stack Test --resource ${natId} --region eu-west-1`]);
  });

  it('checks forwarding rather than assuming it', () => {
    const r = run({ FORWARD_STAYS_OFF: '1' });
    expect(r.status).toBe(1);
    expect(r.signals).toHaveLength(1);
    expect(r.signals[0]).toMatch(/^--exit-code 1 --reason NAT set-up failed: IP forwarding is off /);
  });
});
