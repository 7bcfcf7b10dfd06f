/**
 * The ONE place that knows the names of the stack outputs `cdk-orchestrate` reads.
 *
 * The `OrchestrationOutputs` construct (constructs/shared/orchestration-outputs.ts) writes them for a service in any
 * stack, the samples' and users' own: `Style` (one of STYLES), `Region`, plus the outputs below for its style.
 * `cdk deploy --outputs-file FILE` writes them as `{ "<StackName>": { "<OutputName>": "<value>" } }`.
 * To rename an output, change it here only. Pure constants: the construct library imports this file without
 * loading any CLI code.
 */
export const STYLES = ['server', 'vm', 'container', 'serverless'] as const;
export type Style = (typeof STYLES)[number];

/** Output holding the style of a stack. */
export const STYLE_OUTPUT = 'Style';
/** Output holding the region of a stack (used unless `--region` is given). */
export const REGION_OUTPUT = 'Region';

/** Per style: field used by the CLI → output name, and whether the CLI cannot work without it. */
export const STACK_OUTPUTS = {
  server: {
    url: { output: 'NginxUrl', required: false },
    /** Comma-separated instance ids. */
    instanceIds: { output: 'InstanceIds', required: true },
    associationId: { output: 'AssociationId', required: true },
  },
  vm: {
    url: { output: 'AlbUrl', required: false },
    autoScalingGroupName: { output: 'AutoScalingGroupName', required: true },
  },
  serverless: {
    url: { output: 'Url', required: false },
    functionName: { output: 'FunctionName', required: true },
    aliasName: { output: 'AliasName', required: true },
    aliasArn: { output: 'AliasArn', required: false },
    application: { output: 'CodeDeployApplication', required: true },
    deploymentGroup: { output: 'DeploymentGroup', required: true },
  },
  container: {
    clusterName: { output: 'ClusterName', required: true },
    nodegroupName: { output: 'NodegroupName', required: false },
    namespace: { output: 'Namespace', required: true },
    deploymentName: { output: 'DeploymentName', required: true },
    repositoryUri: { output: 'RepositoryUri', required: false },
    configureKubectlCommand: { output: 'ConfigureKubectlCommand', required: false },
  },
} as const satisfies Record<Style, Record<string, { output: string; required: boolean }>>;

/**
 * Server style: where the CLI looks for the app version a server runs, in this order: a parameter of the SSM
 * association (its current version), then a tag on the instance.
 */
export const VERSION_PARAMETER_NAMES = ['AppVersion', 'appVersion', 'Version', 'version'] as const;
export const VERSION_TAG_KEYS = ['AppVersion', 'app-version', 'APP_VERSION', 'Version'] as const;

/** Response headers the sample app sets on every answer (apps/sample-app/respond.js). */
export const REPLICA_HEADER = 'x-replica';
export const VERSION_HEADER = 'x-app-version';
