import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AWS_SDK_IMPORTERS, AWS_SDK_PACKAGES, awsCall, backoffDelay, createClients, isMissingPackage, loadAwsSdk, type AwsSdkImporters } from '../../../lib/cli/aws';
import { CliError, describeAwsError, EXIT_USAGE, isRetryable, isThrottling } from '../../../lib/cli/errors';
import { awsError, context, REGION, SDK } from './helpers';

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
    const clients = createClients(REGION, SDK);
    expect(clients.ec2).toBe(clients.ec2);
    expect(await clients.lambda.config.maxAttempts()).toBe(1);
    expect(await clients.ssm.config.region()).toBe(REGION);
  });
});

describe('loadAwsSdk: the SDK clients, optional dependencies, loaded on first use', () => {
  const notFound = (message: string, code: string) => Object.assign(new Error(message), { code });
  /** The real importers, with some packages missing the way require() or import() report it. */
  const without = (missing: Partial<Record<keyof AwsSdkImporters, Error>>): AwsSdkImporters =>
    Object.fromEntries(
      Object.entries(AWS_SDK_IMPORTERS).map(([key, [pkg, load]]) => [key, [pkg, missing[key as keyof AwsSdkImporters] ? () => Promise.reject(missing[key as keyof AwsSdkImporters]) : load]]),
    ) as unknown as AwsSdkImporters;

  it('loads the six clients with import(): the same modules the rest of the CLI and its tests use', async () => {
    const sdk = await loadAwsSdk();
    expect(Object.keys(sdk).sort()).toEqual(['autoScaling', 'codeDeploy', 'ec2', 'eks', 'lambda', 'ssm']);
    expect(sdk).toEqual(SDK);
    expect(sdk.ec2.EC2Client).toBe(EC2Client);
    expect(AWS_SDK_PACKAGES).toEqual(['@aws-sdk/client-auto-scaling', '@aws-sdk/client-codedeploy', '@aws-sdk/client-ec2', '@aws-sdk/client-eks', '@aws-sdk/client-lambda', '@aws-sdk/client-ssm']);
  });

  it('names every missing package and how to install them, exit 2', async () => {
    const err = await rejection(
      loadAwsSdk(
        without({
          eks: notFound("Cannot find package '@aws-sdk/client-eks' imported from /p/node_modules/cdk-orchestration/dist/lib/cli/aws.js", 'ERR_MODULE_NOT_FOUND'),
          ssm: notFound("Cannot find module '@aws-sdk/client-ssm'\nRequire stack:\n- /p/lib/cli/aws.ts", 'MODULE_NOT_FOUND'),
        }),
      ),
    );
    expect(err.exitCode).toBe(EXIT_USAGE);
    expect(err.message).toBe('the AWS SDK clients this command calls are not installed (they are optional dependencies of cdk-orchestration): @aws-sdk/client-eks, @aws-sdk/client-ssm.');
    expect(err.hint).toBe('Install them with: npm install --save-dev @aws-sdk/client-eks @aws-sdk/client-ssm');
  });

  it('passes on any other failure to load a client as it is (a broken install is not a missing one)', async () => {
    const deeper = notFound("Cannot find module '@smithy/core'\nRequire stack:\n- /p/node_modules/@aws-sdk/client-ec2/dist-cjs/index.js", 'MODULE_NOT_FOUND');
    await expect(loadAwsSdk(without({ ec2: deeper }))).rejects.toBe(deeper);
    const syntax = new SyntaxError('Unexpected token');
    await expect(loadAwsSdk(without({ lambda: syntax }))).rejects.toBe(syntax);
  });

  it('tells a missing package from a missing module it needs in turn', () => {
    expect(isMissingPackage(notFound("Cannot find package '@aws-sdk/client-ec2' imported from /x.js", 'ERR_MODULE_NOT_FOUND'), '@aws-sdk/client-ec2')).toBe(true);
    expect(isMissingPackage(notFound("Cannot find module '@aws-sdk/client-ec2'", 'MODULE_NOT_FOUND'), '@aws-sdk/client-ec2')).toBe(true);
    expect(isMissingPackage(notFound("Cannot find module '@aws-sdk/client-ec2'", 'EACCES'), '@aws-sdk/client-ec2')).toBe(false);
    expect(isMissingPackage(notFound("Cannot find module '@aws-sdk/client-ec2-extra'", 'MODULE_NOT_FOUND'), '@aws-sdk/client-ec2')).toBe(false);
    expect(isMissingPackage(undefined, '@aws-sdk/client-ec2')).toBe(false);
  });
});
