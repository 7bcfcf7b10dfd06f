import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import * as path from 'node:path';
import { FunctionService, OrchestrationOutputs } from '../constructs/serverless';
import { AlarmTopic } from '../constructs/shared/alarm-topic';
import { EnvironmentBudget } from '../constructs/shared/budget';
import { LogsKey } from '../constructs/shared/log-encryption';
import { DEFAULT_CODE_EXCLUDE } from '../constructs/shared/source';
import { type EnvironmentSizes, type ProductionSettings, sampleAppSettings, type SampleAppVariant } from '../lib/environments';
import { AppSource } from '../lib/app';

export interface ServerlessSampleStackProps extends StackProps {
  readonly sizes: EnvironmentSizes;
  /** The e2e suite's app version and failure switch (docs/e2e.md). @default - the sample app as it is */
  readonly appVariant?: SampleAppVariant;
  /**
   * Production settings: the function behind CloudFront at `serverless.<domainName>` (origin access
   * control, the Function URL `AWS_IAM`), alarms notifying an encrypted topic, a dashboard, logs kept
   * a year under a customer-managed key, and reserved concurrency. CloudFront's certificate comes from
   * `cloudFrontCertificateArn` (us-east-1), or the stack is pinned to us-east-1 (when no `env.region`
   * is given) and creates it there.
   * @default - dev and stage: the book's public Function URL, nothing else
   */
  readonly production?: ProductionSettings;
}

/**
 * Reserved concurrency of the prod sample's function: a ceiling (a flood of requests costs at most
 * this many concurrent executions) and a guarantee (no other function of the account can take it).
 * Dev and stage set none: Lambda keeps 100 of the account's concurrency unreserved (all of it when
 * the limit is lower), and a new account's limit can be 10, so any reservation fails the first deploy.
 */
export const PROD_RESERVED_CONCURRENCY = 50;

/** The book's serverless sample: the sample app on Lambda behind a public Function URL (CloudFront and a name in prod). */
export class ServerlessSampleStack extends Stack {
  public readonly service: FunctionService;
  /** The alarm topic (prod only). */
  public readonly alarmTopic?: AlarmTopic;
  /** The log group key (prod only). */
  public readonly logsKey?: LogsKey;
  /** The stack's budget, alerting the alarm topic (prod only). */
  public readonly budget?: EnvironmentBudget;

  /**
   * The stack props the sample uses: with `production` and no `cloudFrontCertificateArn`, the
   * stack is pinned to us-east-1 (unless `env.region` says otherwise, which then fails with the way
   * out), because the certificate CloudFront presents is created in the stack and CloudFront takes
   * certificates from us-east-1 only.
   */
  public static stackProps(props: ServerlessSampleStackProps): ServerlessSampleStackProps {
    const p = props.production;
    if (!p || p.cloudFrontCertificateArn !== undefined || props.env?.region !== undefined) return props;
    return { ...props, env: { ...props.env, region: 'us-east-1' } };
  }

  constructor(scope: Construct, id: string, props: ServerlessSampleStackProps) {
    super(scope, id, ServerlessSampleStack.stackProps(props));
    const p = props.production;
    if (p) {
      this.alarmTopic = new AlarmTopic(this, 'Alarms', { emails: p.alarmEmail !== undefined ? [p.alarmEmail] : undefined });
      this.logsKey = new LogsKey(this, 'LogsKey');
    }
    this.service = new FunctionService(this, 'Service', {
      app: {
        name: 'sample-app',
        // The handler needs lambda.js and respond.js: leave the long-running server out of the asset.
        source: AppSource.fromDirectory(path.join(__dirname, 'sample-app'), { exclude: [...DEFAULT_CODE_EXCLUDE, 'server.js'] }),
        ...sampleAppSettings(props.appVariant),
        ...(p ? { replicas: { max: PROD_RESERVED_CONCURRENCY } } : {}),
      },
      memorySize: props.sizes.functionMemoryMb,
      // dev: the book's public URL, chosen explicitly; prod: AWS_IAM, reached only through CloudFront.
      authType: p ? lambda.FunctionUrlAuthType.AWS_IAM : lambda.FunctionUrlAuthType.NONE,
      logRemovalPolicy: RemovalPolicy.DESTROY, // a sample: `cdk destroy` leaves nothing behind
      ...(p
        ? {
            domain: {
              domainName: `serverless.${p.domainName}`,
              hostedZone: route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: p.hostedZoneId, zoneName: p.domainName }),
              certificate: p.cloudFrontCertificateArn !== undefined ? acm.Certificate.fromCertificateArn(this, 'CloudFrontCertificate', p.cloudFrontCertificateArn) : undefined,
            },
            alarmTopic: this.alarmTopic!.topic,
            dashboard: true,
            logEncryptionKey: this.logsKey!.key,
            logRetention: logs.RetentionDays.ONE_YEAR,
          }
        : {}),
    });
    // Style, Region, Url, FunctionName, AliasName, AliasArn, CodeDeployApplication and DeploymentGroup:
    // the outputs cdk-orchestrate reads.
    new OrchestrationOutputs(this, 'CliOutputs', { service: this.service });
    if (p) this.budget = new EnvironmentBudget(this, 'Budget', { limitUsd: p.monthlyBudgetUsd, topic: this.alarmTopic!.topic });
  }
}
