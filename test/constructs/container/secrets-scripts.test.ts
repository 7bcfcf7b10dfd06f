// The two shell scripts that carry secrets into a pod, run for real with /bin/sh: the init
// container's fetch loop (with a stub `aws` CLI on PATH) and the app container's export wrapper.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSecretsScript, FETCH_SECRETS_SCRIPT, SECRETS_MOUNT_PATH } from '../../../constructs/container/private/secrets-scripts';

const MOUNT = SECRETS_MOUNT_PATH;

describe('secret scripts', () => {
  let dir: string;
  let bin: string;
  let secrets: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    bin = path.join(dir, 'bin');
    secrets = path.join(dir, 'secrets');
    fs.mkdirSync(bin);
    fs.mkdirSync(secrets);
    // A stub of the aws CLI: answers get-secret-value / get-parameter from fixed values and logs its arguments.
    fs.writeFileSync(
      path.join(bin, 'aws'),
      `#!/bin/sh
echo "$@" >> "${dir}/calls.log"
case "$*" in
  *"secretsmanager get-secret-value --secret-id arn:db"*) echo '{"password":"s3cr3t pass","user":"app"}' ;;
  *"ssm get-parameter --with-decryption --name /app/key"*) echo 'key-123' ;;
  *) echo "AccessDenied" >&2; exit 255 ;;
esac
`,
      { mode: 0o755 },
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const fetch = (env: Record<string, string>) =>
    spawnSync('/bin/sh', ['-c', FETCH_SECRETS_SCRIPT.replaceAll(MOUNT, secrets)], {
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, ...env },
    });

  it('the init container writes each value to a private file, reading only references', () => {
    const run = fetch({ SECRET_NAMES: 'DB API_KEY', DB_SECRET_REF: 'secretsmanager:arn:db', API_KEY_SECRET_REF: 'ssm:/app/key' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(fs.readFileSync(path.join(secrets, 'DB'), 'utf8')).toBe('{"password":"s3cr3t pass","user":"app"}\n');
    expect(fs.readFileSync(path.join(secrets, 'API_KEY'), 'utf8')).toBe('key-123\n');
    expect(fs.statSync(path.join(secrets, 'DB')).mode & 0o077).toBe(0); // umask 077
  });

  it('a secret it cannot read fails the init container (the pod does not start)', () => {
    const run = fetch({ SECRET_NAMES: 'NOPE', NOPE_SECRET_REF: 'secretsmanager:arn:other' });
    expect(run.status).not.toBe(0);
    const bad = fetch({ SECRET_NAMES: 'X', X_SECRET_REF: 'vault:x' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('unknown secret reference for X');
  });

  it('the app wrapper exports the values (a JSON field too) and execs the command as the same process', () => {
    fs.writeFileSync(path.join(secrets, 'DB_PASSWORD'), '{"password":"s3cr3t pass","user":"app"}\n');
    fs.writeFileSync(path.join(secrets, 'API_KEY'), 'key-123\n');
    const script = exportSecretsScript([{ envName: 'DB_PASSWORD', jsonField: 'password' }, { envName: 'API_KEY' }]).replaceAll(MOUNT, secrets);
    const run = spawnSync('/bin/sh', ['-c', script, '--', process.execPath, '-e', 'console.log(JSON.stringify({ db: process.env.DB_PASSWORD, key: process.env.API_KEY }))'], {
      encoding: 'utf8',
      env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` },
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ db: 's3cr3t pass', key: 'key-123' });
  });
});
