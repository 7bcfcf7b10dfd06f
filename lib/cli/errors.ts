/**
 * Errors a user can act on. The CLI prints `error: <message>` (and the hint on a second line) and exits with
 * `exitCode`, never a stack trace.
 */
export class CliError extends Error {
  constructor(
    message: string,
    /** 2 for bad input (arguments, outputs file), 1 for everything else. */
    public readonly exitCode = 1,
    /** What to do about it, one line. */
    public readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit code for bad input: arguments, outputs file. */
export const EXIT_USAGE = 2;
/** Exit code for a failure: AWS error, failed or rolled back rollout, errors seen by verify. */
export const EXIT_FAILURE = 1;

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

function nameOf(err: unknown): string {
  const e = err as AwsLikeError | undefined;
  return String(e?.name ?? e?.code ?? '');
}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'Rate exceeded',
]);
const TRANSIENT = new Set(['ResourceContentionFault', 'InternalError', 'InternalFailure', 'ServiceUnavailable', 'ServiceUnavailableException', 'RequestTimeout', 'RequestTimeoutException', 'TimeoutError', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedException', 'AuthorizationError']);
const BAD_CREDENTIALS = new Set(['UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException', 'SignatureDoesNotMatch', 'AuthFailure', 'IncompleteSignature']);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const NOT_FOUND = /NotFound|DoesNotExist|NoSuch|InvalidInstanceID|InvalidAssociationVersion/;

/** True for AWS throttling errors. */
export function isThrottling(err: unknown): boolean {
  const e = err as AwsLikeError | undefined;
  return THROTTLING.has(nameOf(err)) || e?.$retryable?.throttling === true || e?.$metadata?.httpStatusCode === 429;
}

/** True for errors worth retrying: throttling, 5xx, network timeouts and resets. */
export function isRetryable(err: unknown): boolean {
  if (isThrottling(err)) return true;
  const e = err as AwsLikeError | undefined;
  const status = e?.$metadata?.httpStatusCode;
  return TRANSIENT.has(nameOf(err)) || (status !== undefined && status >= 500);
}

/** Turns an error from an AWS call into a CliError a user can act on. */
export function describeAwsError(err: unknown, action: string, region: string, attempts = 1): CliError {
  if (err instanceof CliError) return err;
  const name = nameOf(err);
  const message = oneLine(String((err as AwsLikeError | undefined)?.message ?? err));
  if (name === 'CredentialsProviderError' || /Could not load credentials|credential/i.test(name)) {
    return new CliError('no AWS credentials found.', EXIT_FAILURE, 'Set AWS_PROFILE, run `aws configure` or `aws sso login`, then try again.');
  }
  if (EXPIRED.has(name)) {
    return new CliError(`AWS credentials have expired (${action}).`, EXIT_FAILURE, 'Refresh them (e.g. `aws sso login`) and try again.');
  }
  if (BAD_CREDENTIALS.has(name)) {
    return new CliError(`AWS rejected the credentials (${action}: ${name}).`, EXIT_FAILURE, 'Check AWS_PROFILE / AWS_ACCESS_KEY_ID and the account you mean to use.');
  }
  if (ACCESS_DENIED.has(name)) {
    return new CliError(`access denied: ${action} in ${region}: ${message}`, EXIT_FAILURE, `Grant ${action} to the identity you are using, or use a role that has it.`);
  }
  if (isThrottling(err)) {
    return new CliError(`AWS kept throttling ${action} in ${region} (${attempts} attempts).`, EXIT_FAILURE, 'Wait a minute and try again.');
  }
  if (NOT_FOUND.test(name) || NOT_FOUND.test(message)) {
    return new CliError(`not found: ${action} in ${region}: ${message}`, EXIT_FAILURE, 'Was the stack destroyed or deployed to another region? Re-run `cdk deploy --outputs-file` to refresh the outputs file.');
  }
  if (/ENOTFOUND|ECONNREFUSED|EAI_AGAIN|ETIMEDOUT|TimeoutError/.test(`${name} ${message}`)) {
    return new CliError(`could not reach AWS for ${action} in ${region}: ${message}`, EXIT_FAILURE, 'Check the network and the region.');
  }
  return new CliError(`${action} failed in ${region}: ${name ? `${name}: ` : ''}${message}`);
}

/** Collapses whitespace and cuts a message to one readable line. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
