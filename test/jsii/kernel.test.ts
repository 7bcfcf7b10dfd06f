// The jsii assembly as another language uses it: this test starts the jsii kernel process the
// Python, Java and .NET bindings start (`@jsii/runtime`'s bundle), loads the packed library and
// its jsii dependencies from their tarballs, and drives every style's main construct only through
// the kernel's API (`create`, `sinvoke`, `invoke`, `get`), with props sent as those bindings send
// them: structs of plain JSON, a `Duration` from `aws-cdk-lib.Duration`, modes from our classes'
// static factories. It then synthesizes each stack and checks what each style must produce.
//
// Our tarball is `npm pack` of this checkout (prepare builds dist/ and .jsii with jsii), or the one
// named by CDK_ORCHESTRATION_TARBALL (to reuse one you packed). Everything the run writes,
// the kernel's unpacked packages included, lives in one folder under TMPDIR, removed in afterAll
// with the kernel process.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CDK_CONTEXT, ROOT, SAMPLE_APP_DIR } from '../support';
import { enumMember, JsiiKernel, KernelError, map, type ObjRef, runtimeEntry, struct, unwrap } from './kernel-client';

const LIB = 'cdk-orchestration';
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * The jsii packages `names` need, from node_modules, in load order (a package after the ones it
 * needs), as each binding's package loads its dependencies' assemblies before its own: aws-cdk-lib
 * brings constructs, @aws-cdk/cloud-assembly-schema and two asset packages. Dependencies bundled
 * inside a package (not jsii) travel in its tarball.
 */
function jsiiClosure(names: string[], order: string[] = []): string[] {
  for (const name of names) {
    const dir = path.join(ROOT, 'node_modules', name);
    if (order.includes(name) || !fs.existsSync(path.join(dir, '.jsii'))) continue;
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const bundled: string[] = pkg.bundledDependencies ?? pkg.bundleDependencies ?? [];
    jsiiClosure(Object.keys({ ...pkg.peerDependencies, ...pkg.dependencies }).filter((d) => !bundled.includes(d)), order);
    if (!order.includes(name)) order.push(name);
  }
  return order;
}

const versionOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version as string;
const ourPackage = () => JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };

/**
 * A tarball of an installed package (its folder as npm installed it, bundled dependencies
 * included): what `npm pack` would give, without compressing 160 MB of aws-cdk-lib.
 * The kernel strips the first folder level, whatever its name.
 */
function tarballOf(name: string, dir: string): string {
  const pkg = path.join(ROOT, 'node_modules', name);
  const file = path.join(dir, `${name.replace('/', '+')}.tar`);
  execFileSync('tar', ['-cf', file, '-C', path.dirname(pkg), path.basename(pkg)]);
  return file;
}

/** Our own tarball: the one CDK_ORCHESTRATION_TARBALL names, or `npm pack` now (its prepare builds with jsii). */
function ourTarball(dir: string): string {
  const given = process.env.CDK_ORCHESTRATION_TARBALL;
  if (given) return path.resolve(given);
  // Not `--json`: the prepare build (jsii) prints to the same stdout. The folder holds this tarball only.
  const out = fs.mkdtempSync(path.join(dir, 'pack-'));
  execFileSync(NPM, ['pack', '--pack-destination', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const [tarball, ...others] = fs.readdirSync(out).filter((f) => f.endsWith('.tgz'));
  if (!tarball || others.length > 0) throw new Error(`npm pack left ${fs.readdirSync(out).join(', ') || 'nothing'} in ${out}`);
  return path.join(out, tarball);
}

describe('the jsii assembly, driven through the jsii kernel as Python, Java and .NET drive it', () => {
  let dir: string; // this run's folder: tarballs, the kernel's unpacked packages, cdk.out folders
  const timings: Record<string, number> = {};
  let kernel: JsiiKernel;

  /** Times a step, for the summary line. */
  async function timed<T>(label: string, step: () => Promise<T> | T): Promise<T> {
    const start = performance.now();
    try {
      return await step();
    } finally {
      timings[label] = Math.round(performance.now() - start);
    }
  }

  const duration = (unit: 'seconds' | 'minutes', amount: number) => kernel.sinvoke<ObjRef>('aws-cdk-lib.Duration', unit, [amount]);

  /** A new App (the repo's cdk.json context, assets not staged) and a Stack in it with a fixed account and region. */
  async function newStack(id: string): Promise<ObjRef> {
    const app = await kernel.create('aws-cdk-lib.App', [struct('aws-cdk-lib.AppProps', { context: map(CDK_CONTEXT), outdir: path.join(dir, `cdk.out-${id}`) })]);
    const env = struct('aws-cdk-lib.Environment', { account: '123456789012', region: 'eu-west-1' });
    return kernel.create('aws-cdk-lib.Stack', [app, id, struct('aws-cdk-lib.StackProps', { env })]);
  }

  /** The stack's template, synthesized by aws-cdk-lib's `Template.fromStack` (as a Python test would), as plain JSON. */
  async function templateOf(stack: ObjRef): Promise<{ Resources: Record<string, { Type: string; Properties?: any; UpdatePolicy?: any }> }> {
    const template = await kernel.sinvoke<ObjRef>('aws-cdk-lib.assertions.Template', 'fromStack', [stack]);
    return unwrap(await kernel.invoke(template, 'toJSON'));
  }

  const resources = (t: Awaited<ReturnType<typeof templateOf>>, type: string) => Object.values(t.Resources).filter((r) => r.Type === type);

  /** The app description every style gets: a struct, its source from AppSource's factory. */
  function app(source: ObjRef, extra: Record<string, unknown> = {}) {
    return struct(`${LIB}.AppDescription`, { name: 'web', source, ...extra });
  }

  const sampleSource = () => kernel.sinvoke<ObjRef>(`${LIB}.AppSource`, 'fromDirectory', [SAMPLE_APP_DIR]);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-orchestration-kernel-'));
    const dependencies = jsiiClosure(Object.keys({ ...ourPackage().peerDependencies, ...ourPackage().dependencies }));
    const tarballs = await timed('dependency tarballs', () =>
      dependencies.map((name) => ({ name, version: versionOf(path.join(ROOT, 'node_modules', name)), tarball: tarballOf(name, dir) })),
    );
    tarballs.push({ name: LIB, version: versionOf(ROOT), tarball: await timed('npm pack (jsii build)', () => ourTarball(dir)) });
    const kernelTmp = path.join(dir, 'kernel-tmp');
    fs.mkdirSync(kernelTmp);
    kernel = new JsiiKernel(runtimeEntry(ROOT), {
      ...process.env,
      TMPDIR: kernelTmp, // where the kernel unpacks the tarballs
      TMP: kernelTmp,
      TEMP: kernelTmp,
      JSII_RUNTIME_PACKAGE_CACHE: 'disabled', // no cache under ~/.cache: nothing outside this run's folder
      JSII_AGENT: 'vitest/cdk-orchestration',
      CDK_VALIDATION: 'false',
    });
    for (const t of tarballs) await timed(`load ${t.name}`, () => kernel.load(t.name, t.version, t.tarball));
  }, 300_000);

  afterAll(async () => {
    const stopped = kernel ? await kernel.stop() : true;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    process.stdout.write(`jsii kernel timings (ms): ${JSON.stringify(timings)}\n`);
    expect(stopped, 'the jsii runtime or its kernel process is still running').toBe(true);
  }, 60_000);

  it('runs the runtime the bindings embed, and loads our assembly with its types', async () => {
    expect(await kernel.hello).toMatch(/^@jsii\/runtime@1\.\d+\.\d+$/);
    const loaded = await kernel.load(LIB, versionOf(ROOT), path.join(dir, 'unused.tgz')); // already loaded: answered from memory
    expect(loaded.assembly).toBe(LIB);
    expect(loaded.types).toBeGreaterThan(20);
  });

  it('serverless: FunctionService with struct props, Durations and TrafficShift.linear()', async () => {
    const stack = await newStack('Serverless');
    const service = await timed('create FunctionService', async () =>
      kernel.create(`${LIB}.FunctionService`, [
        stack,
        'Service',
        struct(`${LIB}.FunctionServiceProps`, {
          app: app(await sampleSource(), { environment: map({ GREETING: 'hello' }) }),
          memorySize: 256,
          timeout: await duration('seconds', 10),
          trafficShift: await kernel.sinvoke(`${LIB}.TrafficShift`, 'linear', [20, await duration('minutes', 2)]),
          authType: enumMember('aws-cdk-lib.aws_lambda.FunctionUrlAuthType', 'NONE'),
        }),
      ]),
    );
    expect(await kernel.get(service, 'appVersion')).toMatch(/^[0-9a-f]{8,}$/);
    const t = await timed('synth serverless', () => templateOf(stack));
    const [fn] = resources(t, 'AWS::Lambda::Function');
    expect(fn!.Properties).toMatchObject({ MemorySize: 256, Timeout: 10, Runtime: 'nodejs24.x', Environment: { Variables: { GREETING: 'hello' } } });
    expect(resources(t, 'AWS::Lambda::Alias').map((r) => r.Properties.Name)).toEqual(['live']);
    expect(resources(t, 'AWS::Lambda::Url')[0]!.Properties.AuthType).toBe('NONE');
    expect(resources(t, 'AWS::CodeDeploy::DeploymentConfig')[0]!.Properties.TrafficRoutingConfig).toEqual({
      Type: 'TimeBasedLinear',
      TimeBasedLinear: { LinearPercentage: 20, LinearInterval: 2 },
    });
  });

  it('vm: VmService with a machine image from VmImage.fromAmiId() and an instance refresh', async () => {
    const stack = await newStack('Vm');
    await timed('create VmService', async () =>
      kernel.create(`${LIB}.VmService`, [
        stack,
        'Service',
        struct(`${LIB}.VmServiceProps`, {
          app: app(await sampleSource(), { replicas: struct(`${LIB}.AppReplicas`, { min: 2, max: 4 }) }),
          image: await kernel.sinvoke(`${LIB}.VmImage`, 'fromAmiId', ['ami-0123456789abcdef0']),
          instanceWarmup: await duration('seconds', 90),
        }),
      ]),
    );
    const t = await timed('synth vm', () => templateOf(stack));
    const [asg] = resources(t, 'AWS::AutoScaling::AutoScalingGroup');
    expect(asg!.Properties).toMatchObject({ MinSize: '2', MaxSize: '4' });
    expect(asg!.UpdatePolicy.AutoScalingInstanceRefresh).toMatchObject({ Strategy: 'Rolling', Preferences: { InstanceWarmup: 90 } });
    expect(JSON.stringify(resources(t, 'AWS::EC2::LaunchTemplate'))).toContain('ami-0123456789abcdef0');
    expect(resources(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer')).toHaveLength(1);
  });

  it('server: ServerService (nginx in front of a fleet) with a Duration', async () => {
    const stack = await newStack('Server');
    const service = await timed('create ServerService', async () =>
      kernel.create(`${LIB}.ServerService`, [
        stack,
        'Service',
        struct(`${LIB}.ServerServiceProps`, {
          app: app(await sampleSource()),
          fleetSize: 2,
          waitForSuccessTimeout: await duration('minutes', 30),
        }),
      ]),
    );
    const t = await timed('synth server', () => templateOf(stack));
    const fleet = await kernel.get<ObjRef>(service, 'fleet');
    expect(await kernel.get<ObjRef[]>(fleet, 'instances')).toHaveLength(2);
    const [rollout] = resources(t, 'AWS::SSM::Association');
    expect(rollout!.Properties.WaitForSuccessTimeoutSeconds).toBe(1800);
  });

  it('container: ContainerService from AppSource.fromImage() with a chart Duration', async () => {
    const stack = await newStack('Container');
    await timed('create ContainerService', async () =>
      kernel.create(`${LIB}.ContainerService`, [
        stack,
        'Service',
        struct(`${LIB}.ContainerServiceProps`, {
          app: app(await kernel.sinvoke(`${LIB}.AppSource`, 'fromImage', ['public.ecr.aws/docker/library/nginx:1.27']), { port: 80 }),
          chart: struct(`${LIB}.AppChartOptions`, { progressDeadline: await duration('seconds', 300) }),
        }),
      ]),
    );
    const t = await timed('synth container', () => templateOf(stack));
    expect(resources(t, 'AWS::EKS::Cluster')).toHaveLength(1);
    // Each manifest is a JSON string (joined with deploy-time values where it has some).
    const manifests = resources(t, 'Custom::AWSCDK-EKS-KubernetesResource').map((r) => JSON.stringify(r.Properties.Manifest));
    expect(manifests.filter((m) => m.includes('Deployment') && /progressDeadlineSeconds\\?":300\b/.test(m))).toHaveLength(1);
    expect(manifests.filter((m) => m.includes('TargetGroupBinding'))).toHaveLength(1);
  });

  describe('bad input reaches the caller as our error, carried by the kernel', () => {
    // A binding raises its language's runtime error for any answer that is not a kernel Fault
    // (Python: `RuntimeError(message)`), so the message is what the caller reads.
    it('a construct prop (memorySize 64): not a kernel fault, our message', async () => {
      const stack = await newStack('Bad');
      const attempt = kernel.create(`${LIB}.FunctionService`, [stack, 'Service', struct(`${LIB}.FunctionServiceProps`, { app: app(await sampleSource()), memorySize: 64 })]);
      const e = await attempt.then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(KernelError);
      expect((e as KernelError).kernelName).not.toBe('@jsii/kernel.Fault');
      expect((e as KernelError).message).toContain('Bad/Service: memorySize (64) must be an integer from 128 to 10240');
    });

    // Typos are stopped by each binding's own types (a Python keyword argument, a Java builder
    // method that does not exist); the kernel itself keeps only the struct's declared fields, so
    // an unknown key never reaches our known-prop check.
    it('a struct key the assembly does not declare (memsize) is dropped by the kernel, before our code runs', async () => {
      const stack = await newStack('Typo');
      const props = struct(`${LIB}.FunctionServiceProps`, { app: app(await sampleSource()), memsize: 256 });
      await kernel.create(`${LIB}.FunctionService`, [stack, 'Service', props]);
      expect(resources(await templateOf(stack), 'AWS::Lambda::Function')[0]!.Properties.MemorySize).toBe(128);
    });

    // No binding can send this (its types make a TrafficShift only through the factories); the
    // kernel refuses it before our code runs, naming the key and the class. Plain JavaScript,
    // which has no kernel in between, gets our own error (test/constructs/serverless/bad-input.test.ts).
    it('an object where a class is expected (trafficShift as a plain object) is refused by the kernel, naming the key and the class', async () => {
      const stack = await newStack('Literal');
      const props = struct(`${LIB}.FunctionServiceProps`, { app: app(await sampleSource()), trafficShift: { percentage: 20 } });
      const e = await kernel.create(`${LIB}.FunctionService`, [stack, 'Service', props]).then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(KernelError);
      expect((e as KernelError).kernelName).toBe('@jsii/kernel.SerializationError');
      expect((e as KernelError).message).toContain(`Key 'trafficShift': Unable to deserialize value as ${LIB}.TrafficShift`);
    });

    it('a factory argument (TrafficShift.canary(100)): not a kernel fault, our message', async () => {
      const e = await kernel.sinvoke(`${LIB}.TrafficShift`, 'canary', [100]).then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(KernelError);
      expect((e as KernelError).kernelName).not.toBe('@jsii/kernel.Fault');
      expect((e as KernelError).message).toContain('TrafficShift.canary(percentage) (100) must be an integer from 1 to 99');
    });
  });
});
