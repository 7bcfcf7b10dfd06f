// `npm run manifests`: writes the container sample's Kubernetes objects as plain YAML into
// manifests/ (git-ignored, apart from dist/), validated against the Kubernetes 1.36 schemas,
// for `kubectl apply -f manifests/` on any cluster (Docker Desktop included):
//   docker build -t sample-app:local apps/sample-app
//   npm run manifests && kubectl apply -f manifests/ && kubectl rollout status -n sample-app deployment/sample-app
// Options: IMAGE=<image> (default sample-app:local), ENV=dev|stage|prod, OUTDIR=<folder>.
import * as cdk8s from 'cdk8s';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sampleContainerApp } from '../apps/container-stack';
import { AppChart } from '../constructs/container/app-chart';
import { resolveApp } from '../lib/app';
import { appVersion } from '../constructs/shared/source';
import { ENVIRONMENT_SIZES, environmentName } from '../lib/environments';
import { SCHEMA_SOURCE, validateManifests } from './k8s-schema';

/** Writes the sample's manifests into `outdir` and returns the file written. */
export async function writeManifests(outdir: string, image = 'sample-app:local', env = 'dev'): Promise<string> {
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new cdk8s.App({ outdir, outputFileExtension: '.k8s.yaml' });
  const description = sampleContainerApp(ENVIRONMENT_SIZES[environmentName(env)]);
  const version = appVersion(resolveApp('manifests', description), description.source.directory);
  new AppChart(app, 'sample-app', { app: description, image, appVersion: version });
  app.synth();
  const file = path.join(outdir, 'sample-app.k8s.yaml');
  const errors = await validateManifests(cdk8s.Yaml.load(file));
  if (errors.length > 0) throw new Error(`${file} does not match the Kubernetes ${SCHEMA_SOURCE.kubernetes} schemas:\n${errors.join('\n')}`);
  return file;
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  writeManifests(process.env.OUTDIR ?? path.join(root, 'manifests'), process.env.IMAGE, process.env.ENV)
    .then((file) => console.log(`wrote ${path.relative(process.cwd(), file)} (valid against Kubernetes ${SCHEMA_SOURCE.kubernetes} schemas from ${SCHEMA_SOURCE.package} ${SCHEMA_SOURCE.version})`))
    .catch((e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 1;
    });
}
