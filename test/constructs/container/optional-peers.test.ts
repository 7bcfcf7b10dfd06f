// cdk8s and the kubectl layer packages are optional peer dependencies that only the container style
// loads (constructs/container/private/optional-peers.ts). Proven in fresh Node processes under tsx, on
// the sources: (1) in this checkout, where both are installed, importing any entry point loads neither,
// and using the container style loads both; (2) in a copy of the sources whose node_modules lacks both
// (every other package linked from this checkout's), the other styles work and the container style
// throws our error naming the package to install. In-process: what counts as "not installed".
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as cdk8s from 'cdk8s';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppChart } from '../../../constructs/container';
import { AppSource } from '../../../lib/app';
import { CDK8S_INSTALL, isMissingPackage, loadCdk8s, loadOptionalPeer, setPeerLoaderForTesting } from '../../../constructs/container/private/optional-peers';
import { ROOT, SAMPLE_APP_DIR } from '../../helpers';

const PEERS = ['cdk8s', '@aws-cdk/lambda-layer-kubectl-v36'];
const ENTRIES = ['constructs/server/index.ts', 'constructs/vm/index.ts', 'constructs/serverless/index.ts', 'index.ts', 'constructs/container/index.ts'];

/**
 * The child's script (CommonJS, under tsx): requires each entry point in turn and lists, after each, the
 * optional peers in require.cache (every package a CommonJS program loads is there); then runs `BODY`.
 */
const PROBE = `
const path = require('node:path');
const root = process.argv[2];
const req = require('node:module').createRequire(path.join(root, 'index.ts')); // packages as the sources resolve them
const PEER = /[\\\\/]node_modules[\\\\/](cdk8s|@aws-cdk[\\\\/]lambda-layer-kubectl-v\\d+)[\\\\/]/;
const peers = () => [...new Set(Object.keys(require.cache).map((f) => PEER.exec(f)?.[1]).filter(Boolean))].map((p) => p.replace(/\\\\/g, '/')).sort();
const report = { entries: {} };
for (const entry of ${JSON.stringify(ENTRIES)}) {
  require(path.join(root, entry));
  report.entries[entry] = peers();
}
const lib = require(path.join(root, 'index.ts'));
const { App, Stack } = req('aws-cdk-lib');
const stack = () => new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
const attempt = (fn) => {
  try { fn(); return { ok: true }; }
  catch (e) { return { ok: false, orchestration: e instanceof lib.OrchestrationError, path: e.path, message: e.message }; }
};
const image = { source: lib.AppSource.fromImage('public.ecr.aws/nginx/nginx:1.27'), port: 80 };
BODY
console.log('PROBE ' + JSON.stringify(report));
`;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'optional-peers-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs the probe with `body` against the sources at `root`; returns its report. */
function probe(name: string, root: string, body: string): any {
  const file = path.join(tmp, `${name}.cjs`);
  fs.writeFileSync(file, PROBE.replace('BODY', body));
  const tsx = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const run = spawnSync(process.execPath, ['--import', tsx, file, root], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_PROFILE: '', CDK_ORCHESTRATION_TODAY: '2026-11-29' },
  });
  const line = run.stdout.split('\n').find((l) => l.startsWith('PROBE '));
  if (run.status !== 0 || !line) throw new Error(`probe ${name} failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(line.slice('PROBE '.length));
}

describe('cdk8s and the kubectl layer are loaded only by the container style', () => {
  it('importing any entry point (root, /server, /vm, /serverless, /container) loads neither; using the container style loads both', () => {
    const report = probe('installed', ROOT, `
const s = stack();
report.service = attempt(() => new lib.ContainerService(s, 'Service', { app: image }));
report.afterUse = peers();`);
    for (const entry of ENTRIES) expect(report.entries[entry], entry).toEqual([]);
    // The control: the same listing sees both once a ContainerService exists.
    expect(report.service).toEqual({ ok: true });
    expect(report.afterUse).toEqual([...PEERS].sort());
  }, 120_000);

  it('without them installed, the other styles work and the container style names the package to install', () => {
    // The sources, with a node_modules of every package of this checkout's but the two peers.
    const root = path.join(tmp, 'without-peers');
    fs.mkdirSync(path.join(root, 'node_modules', '@aws-cdk'), { recursive: true });
    for (const item of ['index.ts', 'constructs', 'lib', 'package.json', 'tsconfig.json', 'cdk.json']) {
      fs.cpSync(path.join(ROOT, item), path.join(root, item), { recursive: true });
    }
    const modules = path.join(ROOT, 'node_modules');
    for (const name of fs.readdirSync(modules)) {
      if (name === 'cdk8s' || name === '@aws-cdk' || name === '.bin') continue;
      fs.symlinkSync(path.join(modules, name), path.join(root, 'node_modules', name));
    }
    for (const name of fs.readdirSync(path.join(modules, '@aws-cdk'))) {
      if (name.startsWith('lambda-layer-kubectl-')) continue;
      fs.symlinkSync(path.join(modules, '@aws-cdk', name), path.join(root, 'node_modules', '@aws-cdk', name));
    }
    const report = probe('missing', root, `
report.resolvable = ${JSON.stringify(PEERS)}.filter((p) => { try { req.resolve(p); return true; } catch { return false; } });
report.serverless = attempt(() => new lib.FunctionService(stack(), 'Service', { app: { source: lib.AppSource.fromDirectory(${JSON.stringify(SAMPLE_APP_DIR)}) } }));
report.service = attempt(() => new lib.ContainerService(stack(), 'Service', { app: image }));
report.chart = attempt(() => new lib.AppChart(undefined, 'web', { app: image, image: 'nginx:1' }));
report.cluster = attempt(() => new lib.AppCluster(stack(), 'Cluster'));
report.cluster135 = attempt(() => new lib.AppCluster(stack(), 'Cluster', { version: req('aws-cdk-lib/aws-eks-v2').KubernetesVersion.V1_35 }));
report.ownLayer = attempt(() => { const s = stack(); new lib.AppCluster(s, 'Cluster', { kubectlLayer: new (req('aws-cdk-lib/aws-lambda').LayerVersion)(s, 'Layer', { code: req('aws-cdk-lib/aws-lambda').Code.fromAsset(${JSON.stringify(SAMPLE_APP_DIR)}) }) }); });
report.afterUse = peers();`);
    expect(report.resolvable).toEqual([]); // really not installed
    for (const entry of ENTRIES) expect(report.entries[entry], entry).toEqual([]);
    expect(report.serverless).toEqual({ ok: true });
    expect(report.service).toMatchObject({ ok: false, orchestration: true, path: 'Test/Service' });
    expect(report.service.message).toBe(
      `Test/Service: cdk8s (undefined) is required by the container style, which writes the app's Kubernetes manifests with it (an optional peer dependency of cdk-orchestration, not installed with it): \`${CDK8S_INSTALL}\``,
    );
    expect(report.chart).toMatchObject({ ok: false, orchestration: true, path: 'web' });
    expect(report.chart.message).toContain('`npm install cdk8s@^2`');
    expect(report.cluster).toMatchObject({ ok: false, orchestration: true, path: 'Test/Cluster' });
    expect(report.cluster.message).toBe(
      'Test/Cluster: kubectlLayer (undefined) is required for Kubernetes 1.36: `npm install @aws-cdk/lambda-layer-kubectl-v36`, an optional peer dependency of cdk-orchestration that the container style needs and that is not installed with it; or pass a layer',
    );
    expect(report.cluster135.message).toContain("`npm install @aws-cdk/lambda-layer-kubectl-v35` (or @aws-cdk/lambda-layer-kubectl-v36, within kubectl's one-minor-version skew)");
    expect(report.ownLayer).toEqual({ ok: true }); // a layer of one's own needs no package
    expect(report.afterUse).toEqual([]);
  }, 120_000);
});

describe('what counts as not installed', () => {
  afterEach(() => setPeerLoaderForTesting(undefined));

  const notFound = (what: string, stack = '') => Object.assign(new Error(`Cannot find module '${what}'${stack}`), { code: 'MODULE_NOT_FOUND' });

  it('the package itself missing: undefined (cdk8s: our error); a module it needs missing, or any other error: thrown as is (a broken install)', () => {
    expect(isMissingPackage(notFound('cdk8s', "\nRequire stack:\n- /x/optional-peers.ts"), 'cdk8s')).toBe(true);
    expect(isMissingPackage(Object.assign(new Error("Cannot find package 'cdk8s' imported from /x/a.mjs"), { code: 'ERR_MODULE_NOT_FOUND' }), 'cdk8s')).toBe(true);
    expect(isMissingPackage(notFound('yaml', "\nRequire stack:\n- /n/cdk8s/lib/yaml.js"), 'cdk8s')).toBe(false);
    expect(isMissingPackage(notFound('cdk8s-plus-32'), 'cdk8s')).toBe(false);
    expect(isMissingPackage(new SyntaxError("Cannot find module 'cdk8s'"), 'cdk8s')).toBe(false);

    setPeerLoaderForTesting((pkg) => { throw notFound(pkg); });
    expect(loadOptionalPeer('@aws-cdk/lambda-layer-kubectl-v36')).toBeUndefined();
    expect(() => loadCdk8s('Stack/Service')).toThrow(/^Stack\/Service: cdk8s \(undefined\) is required by the container style.*`npm install cdk8s@\^2`$/);

    const broken = notFound('yaml', "\nRequire stack:\n- /n/cdk8s/lib/yaml.js");
    setPeerLoaderForTesting(() => { throw broken; });
    expect(() => loadCdk8s('Stack/Service')).toThrow(broken);
    expect(() => loadOptionalPeer('cdk8s')).toThrow(broken);
  });
});

describe('AppChart on the lazily resolved cdk8s Chart', () => {
  it('is a cdk8s Chart: instanceof, the statics (isChart, of), the chart of its objects, synth', () => {
    const app = new cdk8s.App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'chart-')) });
    const chart = new AppChart(app, 'web', { app: { source: AppSource.fromImage('nginx:1') }, image: 'nginx:1' });
    expect(chart).toBeInstanceOf(cdk8s.Chart);
    expect(chart).toBeInstanceOf(AppChart);
    expect(AppChart.isChart(chart)).toBe(true);
    expect(cdk8s.Chart.of(chart.deployment)).toBe(chart);
    expect(AppChart.of(chart.service)).toBe(chart);
    expect(chart.node.path).toBe('web');
    expect(app.synthYaml()).toContain('kind: Deployment');
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });
});
