// A fake world for the e2e suite's runner: a fake `cdk` (command runner), a fake service (fetch), a virtual clock,
// CloudFormation as a fake module (its SDK client is not installed here), and EC2 and the adapters' clients through
// aws-sdk-client-mock (real clients, mocked transport; see ../cli/helpers.ts).
import * as ec2 from '@aws-sdk/client-ec2';
import * as fs from 'node:fs';
import { createAwsCaller, type ModuleLoader } from '../../../lib/e2e/aws';
import type { MainDeps } from '../../../lib/e2e/main';
import { context, REGION } from '../cli/helpers';

export interface World {
  /** The version the service answers with. */
  version: string;
  /** True while a `cdk deploy` runs. */
  deploying: boolean;
  stackStatus: string;
  destroyed: boolean;
  /** Every command the fake cdk got. */
  commands: string[][];
  /** Exit code of the next deploys, by version suffix (`-v1`, `-v2`, `-v3-failhealth`). */
  deployCode: Record<string, number>;
  /** What the failing deploy leaves: the stack status and whether the failing version answers. */
  failingDeploy: { code: number; status: string; versionAnswers: boolean };
  /** Answers with a 502 this many times while a deploy runs. */
  errorsDuringDeploy: number;
  /** The style's outputs the fake cdk writes (the stack name is added). */
  outputs: Record<string, string>;
  requests: number;
  calls: { service: string; operation: string; params: unknown }[];
}

export function newWorld(outputs: Record<string, string>): World {
  return {
    version: '(none)',
    deploying: false,
    stackStatus: 'CREATE_COMPLETE',
    destroyed: false,
    commands: [],
    deployCode: {},
    failingDeploy: { code: 1, status: 'UPDATE_ROLLBACK_COMPLETE', versionAnswers: false },
    errorsDuringDeploy: 0,
    outputs,
    requests: 0,
    calls: [],
  };
}

const flag = (argv: readonly string[], name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const ctx = (argv: readonly string[], key: string) =>
  argv.map((w, i) => (argv[i - 1] === '-c' && w.startsWith(`${key}=`) ? w.slice(key.length + 1) : undefined)).find((v) => v !== undefined);

/** The fake `cdk`: deploy writes the outputs file and switches the version; destroy marks the stack gone. */
export function fakeCdk(world: World): MainDeps['runCommand'] {
  return async (argv) => {
    world.commands.push([...argv]);
    const verb = argv[2];
    const stack = argv[3];
    await new Promise((r) => setTimeout(r, 5)); // let the load loops send a few requests
    if (verb === 'deploy') {
      const version = ctx(argv, 'sampleAppVersion')!;
      const failing = ctx(argv, 'sampleAppFailHealth') === 'true';
      world.deploying = true;
      await new Promise((r) => setTimeout(r, 10));
      world.deploying = false;
      const code = failing ? world.failingDeploy.code : (Object.entries(world.deployCode).find(([k]) => version.endsWith(k))?.[1] ?? 0);
      if (failing) {
        world.stackStatus = world.failingDeploy.status;
        if (world.failingDeploy.versionAnswers) world.version = version;
        return { code, output: code ? `❌ ${stack} failed: UPDATE_ROLLBACK_COMPLETE` : `✅ ${stack}` };
      }
      if (code !== 0) return { code, output: `❌ ${stack} failed: Error: The stack named ${stack} failed creation` };
      world.version = version;
      world.stackStatus = 'UPDATE_COMPLETE';
      fs.writeFileSync(flag(argv, '--outputs-file')!, JSON.stringify({ [stack]: world.outputs }));
      return { code: 0, output: `✅ ${stack}` };
    }
    if (verb === 'destroy') {
      world.destroyed = true;
      return { code: 0, output: `✅ ${stack}: destroyed` };
    }
    return { code: 0, output: '' };
  };
}

/** The fake service: answers with the world's version, round-robin over 3 replicas. */
export function fakeFetch(world: World): typeof fetch {
  return (async () => {
    const n = world.requests++;
    if (world.deploying && world.errorsDuringDeploy > 0) {
      world.errorsDuringDeploy--;
      return new Response('Bad Gateway', { status: 502 });
    }
    return new Response('Hello, World!\n', { status: 200, headers: { 'x-app-version': world.version, 'x-replica': `r${n % 3}` } });
  }) as typeof fetch;
}

/** CloudFormation as a fake SDK module; EC2 the real one (mocked by aws-sdk-client-mock); ELBv2 not installed. */
export function fakeLoader(world: World): ModuleLoader {
  class CloudFormationClient {
    async send(command: { input: { StackName?: string } }) {
      world.calls.push({ service: 'cloudformation', operation: 'DescribeStacks', params: command.input });
      if (world.destroyed) throw Object.assign(new Error(`Stack with id ${command.input.StackName} does not exist`), { name: 'ValidationError' });
      return { Stacks: [{ StackName: command.input.StackName, StackStatus: world.stackStatus }] };
    }
  }
  class DescribeStacksCommand {
    constructor(public readonly input: unknown) {}
  }
  return async (pkg) => {
    if (pkg === '@aws-sdk/client-ec2') return ec2 as unknown as Record<string, unknown>;
    if (pkg === '@aws-sdk/client-cloudformation') return { CloudFormationClient, DescribeStacksCommand };
    throw Object.assign(new Error(`Cannot find package '${pkg}' imported from /work/main/lib/e2e/aws.ts`), { code: 'ERR_MODULE_NOT_FOUND' });
  };
}

/** Everything main() needs, faked. */
export function fakeDeps(world: World, out: { stdout: string; stderr: string }): Partial<MainDeps> {
  let now = 0;
  return {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    log: (line) => void (out.stderr += `${line}\n`),
    runCommand: fakeCdk(world),
    fetch: fakeFetch(world),
    clock: { now: () => now, sleep: async (ms) => void (now += ms) },
    aws: (region) => createAwsCaller(region, { load: fakeLoader(world), retry: { sleep: async () => {} } }),
    adapterContext: async () => context(),
    kubectl: () => undefined,
    env: { AWS_REGION: REGION },
    writeReport: undefined,
  };
}
