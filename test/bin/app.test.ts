// The sample app's entry point (bin/app.ts) run as the CDK CLI runs it: cdk.json's `app` command
// in a process of its own, `-c` context in CDK_CONTEXT_JSON, the output folder in CDK_OUTDIR.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers';

const cdkJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8'));

/** Runs cdk.json's app command with extra `-c` context, as `npx cdk synth -c k=v` does. */
function runApp(context: Record<string, unknown>, outdir: string) {
  const [cmd, ...args] = String(cdkJson.app).split(/\s+/);
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      cmd === 'node' ? process.execPath : cmd,
      args,
      { cwd: ROOT, env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJson.context, ...context }), CDK_OUTDIR: outdir } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
  });
}

describe('bin/app.ts (cdk.json\'s app command)', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-entry-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  it('-c env=bogus prints what to type, no stack trace, exits 1 and writes no cloud assembly', async () => {
    const r = await runApp({ env: 'bogus' }, outdir);
    expect(r.stderr).toBe('-c env=bogus is not an environment: use one of dev, stage, prod (default dev)\n');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  it('-c env=prod without the domain prints what to pass, no stack trace, exits 1 and writes no cloud assembly', async () => {
    const r = await runApp({ env: 'prod' }, outdir);
    expect(r.stderr).toMatch(/^-c env=prod needs the domain its services answer on .*missing -c domainName and -c hostedZoneId\. Pass them: npx cdk synth -c env=prod -c domainName=example\.com -c hostedZoneId=Z0EXAMPLE/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.code).toBe(1);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  it('-c env=prod with a malformed hosted zone id names the option as typed, no stack trace, exits 1', async () => {
    const r = await runApp({ env: 'prod', domainName: 'example.com', hostedZoneId: '/hostedzone/Z0EXAMPLE' }, outdir);
    expect(r.stderr).toBe('-c hostedZoneId ("/hostedzone/Z0EXAMPLE") must be the id alone, without /hostedzone/: -c hostedZoneId=Z0EXAMPLE\n');
    expect(r.code).toBe(1);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });
});
