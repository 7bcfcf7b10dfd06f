// A resource policy's decision (a KMS key policy, an SNS topic policy) on one request by a
// principal, through the IAM policy engine of test/iam (@cloud-copilot/iam-simulate), with the
// template's intrinsic functions resolved for the engine's test account and region.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { loadPolicy } from '@cloud-copilot/iam-policy';
import * as path from 'node:path';
import { ACCOUNT, type CfnTemplate, Resolver } from '../../iam/engine';

export interface ResourceRequest {
  /** The logical ID of the resource whose policy decides (an AWS::KMS::Key, or an AWS::SNS::TopicPolicy's topic). */
  readonly resourceId: string;
  /** The policy document, already resolved. */
  readonly policy: unknown;
  readonly action: string;
  /** A service principal (`cloudwatch.amazonaws.com`) or an ARN. */
  readonly principal: string;
  readonly context?: Record<string, string | string[]>;
  /** The resource's ARN (by default the engine's ARN for the resource's type). */
  readonly resourceArn?: string;
  /** The resource's account (the engine's test account by default). */
  readonly accountId?: string;
}

/** 'Allowed', 'ImplicitlyDenied' or 'ExplicitlyDenied'. */
export async function resourcePolicyDecision(template: CfnTemplate, request: ResourceRequest): Promise<string> {
  const r = new Resolver(template);
  const simulation = {
    identityPolicies: [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: request.policy as never,
    request: {
      action: request.action,
      principal: request.principal,
      resource: { accountId: request.accountId ?? ACCOUNT, resource: request.resourceArn ?? r.arnOf(request.resourceId) },
      contextVariables: request.context ?? {},
    },
    };
  // The engine's input check keeps only the context keys an action documents, and matches a
  // documented variable key only when its variable follows a slash (aws:PrincipalTag/x): it drops
  // kms:EncryptionContext:aws:logs:arn (documented as kms:EncryptionContext:${EncryptionContextKey}).
  // Such requests go to the engine's core without that check (its runUnsafeSimulation does the
  // same but loads the resource policy without the name its analysis reads).
  if (Object.keys(request.context ?? {}).some((k) => k.startsWith('kms:EncryptionContext:'))) return coreDecision(simulation);
  const response = await runSimulation(simulation as never, {});
  if (response.resultType === 'error') throw new Error(`${request.action} by ${request.principal}: ${JSON.stringify(response.errors).slice(0, 600)}`);
  return response.overallResult;
}

/** The template with every `{ Ref: id }` replaced by a literal (for types whose Ref the engine's resolver does not know, e.g. an SNS topic's ARN). */
export function withRefAs(template: CfnTemplate, id: string, value: string): CfnTemplate {
  const replace = (v: any): any => {
    if (Array.isArray(v)) return v.map(replace);
    if (v && typeof v === 'object') {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === 'Ref' && v.Ref === id) return value;
      return Object.fromEntries(keys.map((k) => [k, replace(v[k])]));
    }
    return v;
  };
  return replace(template);
}

/** A resource's property, resolved. */
export function resolved(template: CfnTemplate, id: string, prop: string): any {
  return new Resolver(template).resolve(template.Resources[id]!.Properties![prop]);
}

const engineDir = path.dirname(require.resolve('@cloud-copilot/iam-simulate'));
function coreDecision(simulation: { resourcePolicy: unknown; request: { action: string; principal: string; resource: { accountId: string; resource: string }; contextVariables: Record<string, string | string[]> } }): string {
  const { authorize } = require(path.join(engineDir, 'core_engine', 'CoreSimulatorEngine.js'));
  const { AwsRequestImpl } = require(path.join(engineDir, 'request', 'request.js'));
  const { RequestContextImpl } = require(path.join(engineDir, 'requestContext.js'));
  const { DiscoveryContextKeyConstraints } = require(path.join(engineDir, 'context_keys', 'discoveryContextKeyConstraints.js'));
  const { request } = simulation;
  const analysis = authorize({
    request: new AwsRequestImpl(request.principal, request.resource, request.action, new RequestContextImpl(request.contextVariables)),
    sessionPolicy: undefined,
    identityPolicies: [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: loadPolicy(simulation.resourcePolicy as never, { name: 'ResourcePolicy' }),
    permissionBoundaries: undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
    serviceSettings: { s3: {} },
  });
  return analysis.result;
}
