// The shared secret resolver (constructs/shared/assets/app-secrets.sh) run for real against a
// stub `aws` command (no AWS involved), in both of its modes: the vm style's ExecStartPre (refs
// file -> EnvironmentFile) and the server style's launcher (`--exec`: <NAME>_SECRET_REF -> NAME).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedAssetPath } from '../../../constructs/shared/app-runtime';

const SCRIPT = sharedAssetPath('app-secrets.sh');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-secrets-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const bin = path.join(dir, 'bin');
fs.mkdirSync(bin);
// The stub answers like `aws ... --output text` and records its arguments.
fs.writeFileSync(
  path.join(bin, 'aws'),
  `#!/bin/bash
echo "$*" >> "${dir}/calls"
case "$1 $2" in
  "ssm get-parameter") [ "$4" = /app/key ] && printf '%s\\n' 'k-e-y' || { echo "ParameterNotFound" >&2; exit 254; } ;;
  "secretsmanager get-secret-value")
    case "$4" in
      db) printf '%s\\n' '{"username":"app","password":"p\\"a$s\\\\w","port":5432}' ;;
      plain) printf '%s\\n' 'just text' ;;
      *) echo "ResourceNotFoundException" >&2; exit 254 ;;
    esac ;;
esac
`,
  { mode: 0o755 },
);
const PATH = `${bin}:${process.env.PATH}`;

describe('app-secrets REFS OUT (vm style: ExecStartPre)', () => {
  const run = (refs: string) => {
    const refsFile = path.join(dir, 'refs');
    const out = path.join(dir, 'run', 'secrets.env');
    fs.rmSync(path.join(dir, 'run'), { recursive: true, force: true });
    fs.writeFileSync(refsFile, refs);
    const r = spawnSync('bash', [SCRIPT, refsFile, out], { encoding: 'utf8', env: { ...process.env, PATH } });
    return { ...r, out, content: fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : undefined };
  };

  it('resolves SSM parameters, whole secrets and JSON fields into a 0600 EnvironmentFile', () => {
    const r = run('# comment\nKEY=ssm:/app/key\nPLAIN=secretsmanager:plain\nDB_PASSWORD=secretsmanager:db#password\n\nDB_USER=secretsmanager:db#username');
    expect(r.status, r.stderr).toBe(0);
    expect(r.content).toBe('KEY="k-e-y"\nPLAIN="just text"\nDB_PASSWORD="p\\"a$s\\\\w"\nDB_USER="app"\n');
    expect(fs.statSync(r.out).mode & 0o777).toBe(0o600);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain('k-e-y');
    const calls = fs.readFileSync(path.join(dir, 'calls'), 'utf8');
    expect(calls).toContain('ssm get-parameter --name /app/key --with-decryption');
    expect(calls).toContain('secretsmanager get-secret-value --secret-id db --query SecretString');
  });

  it('writes an empty file when there is no refs file', () => {
    const out = path.join(dir, 'empty', 'secrets.env');
    const r = spawnSync('bash', [SCRIPT, path.join(dir, 'no-such-refs'), out], { encoding: 'utf8', env: { ...process.env, PATH } });
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe('');
  });

  it('fails the start (non-zero) and writes nothing when a secret cannot be read', () => {
    const r = run('KEY=ssm:/missing\n');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('KEY: cannot read SSM parameter /missing');
    expect(r.content).toBeUndefined();
  });

  it('fails on a missing JSON field, a malformed reference and a bad variable name', () => {
    const missing = run('X=secretsmanager:db#nope\n');
    expect(missing.status).toBe(3);
    expect(missing.stderr).toContain('the secret has no field nope');
    const bad = run('X=vault:thing\n');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('X: not a secret reference');
    const name = run('1X=ssm:/app/key\n');
    expect(name.status).toBe(2);
    expect(name.stderr).toContain('bad variable name');
  });
});

describe('app-secrets --exec COMMAND (server style: the launcher)', () => {
  const exec = (env: Record<string, string>, ...cmd: string[]) =>
    spawnSync('bash', [SCRIPT, '--exec', ...cmd], { encoding: 'utf8', env: { PATH, HOME: dir, ...env } });
  const printEnv = ['node', '-e', 'process.stdout.write(JSON.stringify(process.env))'];

  it('exports each <NAME>_SECRET_REF as NAME, drops the references and execs the command', () => {
    const r = exec({ KEY_SECRET_REF: 'ssm:/app/key', DB_PASSWORD_SECRET_REF: 'secretsmanager:db#password', DB_PORT_SECRET_REF: 'secretsmanager:db#port', PLAIN: 'as is' }, ...printEnv);
    expect(r.status, r.stderr).toBe(0);
    const env = JSON.parse(r.stdout) as Record<string, string>;
    expect(env).toMatchObject({ KEY: 'k-e-y', DB_PASSWORD: 'p"a$s\\w', DB_PORT: '5432', PLAIN: 'as is' });
    expect(Object.keys(env).filter((k) => k.endsWith('_SECRET_REF'))).toEqual([]);
    expect(r.stderr).not.toContain('k-e-y');
  });

  it('passes the arguments through unchanged and keeps the app\'s umask', () => {
    const r = exec({}, 'bash', '-c', 'printf "%s|" "$@"; umask', 'sh', 'a b', '$HOME', '');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`a b|$HOME||${spawnSync('bash', ['-c', 'umask'], { encoding: 'utf8' }).stdout}`);
  });

  it('does not start the app when a secret cannot be read or a reference is malformed', () => {
    const missing = exec({ KEY_SECRET_REF: 'ssm:/missing' }, 'echo', 'started');
    expect(missing.status).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('KEY: cannot read SSM parameter /missing');
    const bad = exec({ X_SECRET_REF: 'vault:thing' }, 'echo', 'started');
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(exec({}).status).toBe(2);
  });
});
