import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { awsCall, backoffDelay, createClients } from '../../../lib/cli/aws';
import { CliError, describeAwsError, isRetryable, isThrottling } from '../../../lib/cli/errors';
import { awsError, context, REGION } from './helpers';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());
afterAll(() => ec2.restore());

const describe1 = (ctx = context()) => awsCall(ctx, 'ec2:DescribeInstances', () => ctx.clients.ec2.send(new DescribeInstancesCommand({})));

async function rejection(p: Promise<unknown>): Promise<CliError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(CliError);
  return err as CliError;
}

describe('awsCall', () => {
  it('retries throttling with exponential backoff, then succeeds', async () => {
    ec2.on(DescribeInstancesCommand)
      .rejectsOnce(awsError('RequestLimitExceeded', 'Request limit exceeded.', 503))
      .rejectsOnce(awsError('Throttling', 'Rate exceeded'))
      .resolves({ Reservations: [] });
    const sleeps: number[] = [];
    await expect(describe1(context(sleeps))).resolves.toEqual({ Reservations: [] });
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(2 + 1);
    expect(sleeps).toEqual([75, 150]); // 100 ms then 200 ms, half fixed and half jitter (0.5)
  });

  it('gives up after the attempts and says it was throttled, in one line with a hint', async () => {
    ec2.on(DescribeInstancesCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
    const sleeps: number[] = [];
    const e = await rejection(describe1(context(sleeps)));
    expect(e.message).toBe(`AWS kept throttling ec2:DescribeInstances in ${REGION} (4 attempts).`);
    expect(e.hint).toBe('Wait a minute and try again.');
    expect(sleeps).toEqual([75, 150, 300]);
  });

  it('does not retry AccessDenied, and names the action and region', async () => {
    ec2.on(DescribeInstancesCommand).rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const e = await rejection(describe1());
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    expect(e.message).toBe(`access denied: ec2:DescribeInstances in ${REGION}: You are not authorized to perform this operation.`);
    expect(e.hint).toBe('Grant ec2:DescribeInstances to the identity you are using, or use a role that has it.');
  });

  it('retries server errors', async () => {
    ec2.on(DescribeInstancesCommand).rejectsOnce(awsError('InternalError', 'oops', 500)).resolves({});
    await expect(describe1()).resolves.toEqual({});
  });

  it('returns undefined for an error the caller says means "none"', async () => {
    ec2.on(DescribeInstancesCommand).rejects(awsError('ResourceNotFoundException'));
    const ctx = context();
    await expect(awsCall(ctx, 'x', () => ctx.clients.ec2.send(new DescribeInstancesCommand({})), () => true)).resolves.toBeUndefined();
  });
});

describe('errors a user can act on', () => {
  it.each([
    ['CredentialsProviderError', 'Could not load credentials from any providers', /^no AWS credentials found\.$/, /AWS_PROFILE/],
    ['ExpiredTokenException', 'The security token included in the request is expired', /^AWS credentials have expired \(ec2:X\)\.$/, /aws sso login/],
    ['UnrecognizedClientException', 'The security token is invalid', /^AWS rejected the credentials \(ec2:X: UnrecognizedClientException\)\.$/, /AWS_PROFILE/],
    ['AccessDeniedException', 'User: arn:aws:iam::1:user/u is not authorized', /^access denied: ec2:X in eu-west-1: User: arn/, /^Grant ec2:X/],
    ['ResourceNotFoundException', 'Function not found: fn', /^not found: ec2:X in eu-west-1: Function not found: fn$/, /destroyed/],
    ['ValidationException', 'bad\n  thing', /^ec2:X failed in eu-west-1: ValidationException: bad thing$/, undefined],
  ])('%s', (name, message, expected, hint) => {
    const e = describeAwsError(awsError(name, message), 'ec2:X', REGION);
    expect(e.message).toMatch(expected);
    if (hint) expect(e.hint).toMatch(hint);
    expect(e.message).not.toContain('\n');
  });

  it('classifies throttling and transient errors', () => {
    expect(isThrottling(awsError('TooManyRequestsException'))).toBe(true);
    expect(isThrottling(awsError('Whatever', 'x', 429))).toBe(true);
    expect(isRetryable(awsError('ServiceUnavailable', 'x', 503))).toBe(true);
    expect(isRetryable(awsError('ValidationError'))).toBe(false);
  });

  it('caps the backoff delay', () => {
    expect(backoffDelay(1, { random: () => 0 })).toBe(250);
    expect(backoffDelay(10, { random: () => 0.999999 })).toBe(20_000);
  });

  it('creates each client once, with the SDK retries off (awsCall retries)', async () => {
    const clients = createClients(REGION);
    expect(clients.ec2).toBe(clients.ec2);
    expect(await clients.lambda.config.maxAttempts()).toBe(1);
    expect(await clients.ssm.config.region()).toBe(REGION);
  });
});
