import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag AwsSolutions finding on the construct that causes it, with a
 * reason specific to that construct. Uses the plugin-prefixed id
 * (`AwsSolutions::AwsSolutions-XX`) so that the validation report keeps the finding under
 * `suppressedViolations` with its reason.
 *
 * @param rule the finding as cdk-nag prints it, e.g. `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/X]`
 */
export function acknowledgeNag(scope: IConstruct, rule: `AwsSolutions-${string}`, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${rule}`, reason });
}
