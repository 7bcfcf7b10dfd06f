import type { IConstruct } from 'constructs';

/**
 * `Error` seen through a class declaration: jsii rejects `extends Error` itself (Error is a global
 * variable, not a class it can describe), and skips this unexported base of an `@internal` class,
 * as it does for aws-cdk-lib's `ConstructError` (the base of its `ValidationError`).
 */
abstract class ErrorBase extends Error {}

/**
 * The error every construct and helper of this library throws for bad input.
 *
 * It is raised at synth time and names where (the construct path), what (the prop and the
 * value it got) and how to fix it (what is allowed), for example:
 *
 * `OrchestrationError: SampleServerless/Service: memorySize (64) must be an integer from 128 to 10240`
 *
 * TypeScript and JavaScript callers catch it with `instanceof OrchestrationError` and read
 * `path`, `prop`, `value` and `allowed`. It is not part of the jsii assembly (`@internal` to jsii,
 * as aws-cdk-lib's own `ValidationError` is: a jsii class cannot extend the built-in `Error`), so
 * Python, Java, .NET and Go callers see it as the exception their jsii runtime raises for any
 * JavaScript error, carrying the same message.
 *
 * @internal
 */
export class OrchestrationError extends ErrorBase {
  /** The construct path of the construct that rejected the input, or '' outside a construct tree. */
  public readonly path: string;
  /** The prop that holds the bad value, as the user wrote it (`rollout.maxUnavailablePercent`). */
  public readonly prop: string;
  /** The bad value itself. */
  public readonly value: unknown;
  /** What would have been accepted. */
  public readonly allowed: string;

  constructor(where: IConstruct | string | undefined, prop: string, value: unknown, allowed: string) {
    const path = where === undefined ? '' : typeof where === 'string' ? where : where.node.path;
    super(`${path ? `${path}: ` : ''}${prop} (${formatValue(value)}) ${allowed}`);
    this.name = 'OrchestrationError';
    this.path = path;
    this.prop = prop;
    this.value = value;
    this.allowed = allowed;
  }
}

/** Renders a value for an error message: strings quoted, objects as JSON, short. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return shorten(JSON.stringify(value));
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value); // NaN, Infinity (JSON says null)
  const v = value as { toHumanString?: unknown; toGibibytes?: unknown; isUnresolved?: unknown } | null;
  // A known Size as written (`Size.gibibytes(16385)`): its human string rounds (`16 TiB`), which can look allowed.
  if (typeof value === 'object' && typeof v?.toGibibytes === 'function' && typeof v.isUnresolved === 'function' && !v.isUnresolved()) return String(value);
  if (typeof value === 'object' && typeof v?.toHumanString === 'function') return String(v.toHumanString.call(value));
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : shorten(json);
  } catch {
    return String(value);
  }
}

function shorten(text: string): string {
  return text.length > 240 ? `${text.slice(0, 237)}...` : text;
}
