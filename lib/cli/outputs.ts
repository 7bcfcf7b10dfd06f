import * as fs from 'node:fs';
import { CliError, EXIT_USAGE } from './errors';
import { REGION_OUTPUT, STACK_OUTPUTS, STYLE_OUTPUT, STYLES, type Style } from './stack-outputs';

/** Where `cdk deploy --outputs-file` is usually pointed. */
export const DEFAULT_OUTPUTS_FILE = 'cdk-outputs.json';

/** The contents of a `cdk deploy --outputs-file` file: stack name → output name → value. */
export type OutputsFile = Record<string, Record<string, string>>;

type Fields<S extends Style> = { -readonly [K in keyof (typeof STACK_OUTPUTS)[S]]: (typeof STACK_OUTPUTS)[S][K] extends { required: true } ? string : string | undefined };

/** What the CLI knows about one deployed stack, from its outputs. */
export type StackInfo =
  | ({ style: 'server'; stack: string; region?: string; instanceIds: string[] } & Omit<Fields<'server'>, 'instanceIds'>)
  | ({ style: 'vm'; stack: string; region?: string } & Fields<'vm'>)
  | ({ style: 'serverless'; stack: string; region?: string } & Fields<'serverless'>)
  | ({ style: 'container'; stack: string; region?: string } & Fields<'container'>);

/** Reads and checks an outputs file; every problem is a CliError naming the file. */
export function readOutputsFile(file: string): OutputsFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new CliError(`outputs file ${file} does not exist.`, EXIT_USAGE, 'Deploy with `cdk deploy --outputs-file cdk-outputs.json`, or pass --outputs FILE.');
    }
    if (code === 'EISDIR') throw new CliError(`outputs file ${file} is a directory, not a file.`, EXIT_USAGE);
    throw new CliError(`cannot read outputs file ${file}: ${code ?? String(err)}`, EXIT_USAGE);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new CliError(`outputs file ${file} is not valid JSON: ${(err as Error).message}`, EXIT_USAGE, 'It should be the file `cdk deploy --outputs-file` writes.');
  }
  if (!isRecord(data)) {
    throw new CliError(`outputs file ${file} is not a JSON object of stacks.`, EXIT_USAGE, 'It should be the file `cdk deploy --outputs-file` writes.');
  }
  const result: OutputsFile = {};
  for (const [stack, outputs] of Object.entries(data)) {
    if (!isRecord(outputs)) throw new CliError(`outputs file ${file}: the entry for stack ${stack} is not an object of outputs.`, EXIT_USAGE);
    result[stack] = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, String(v)]));
  }
  return result;
}

/** The outputs of one stack, interpreted for its style. */
export function stackInfo(outputs: OutputsFile, stack: string, file: string): StackInfo {
  const values = outputs[stack];
  if (!values) {
    const known = Object.keys(outputs);
    throw new CliError(
      `stack ${stack} is not in ${file}.`,
      EXIT_USAGE,
      known.length ? `Stacks there: ${known.join(', ')}.` : 'The file lists no stacks: deploy one with `cdk deploy --outputs-file`.',
    );
  }
  const style = values[STYLE_OUTPUT];
  if (style === undefined) {
    throw new CliError(
      `stack ${stack} in ${file} has no ${STYLE_OUTPUT} output, so cdk-orchestrate does not know what it runs.`,
      EXIT_USAGE,
      "Add the outputs the CLI reads to the stack: new OrchestrationOutputs(stack, 'CliOutputs', { service }) (from cdk-orchestration), then deploy it again with --outputs-file.",
    );
  }
  if (!(STYLES as readonly string[]).includes(style)) {
    throw new CliError(`stack ${stack} in ${file}: ${STYLE_OUTPUT} (${style}) is not one of ${STYLES.join(', ')}.`, EXIT_USAGE);
  }
  const spec = STACK_OUTPUTS[style as Style] as Record<string, { output: string; required: boolean }>;
  const missing = Object.values(spec).filter((s) => s.required && !values[s.output]).map((s) => s.output);
  if (missing.length) {
    throw new CliError(`stack ${stack} in ${file} lacks the output(s) ${missing.join(', ')} that the ${style} style needs.`, EXIT_USAGE, 'Re-deploy with `cdk deploy --outputs-file` to refresh the file.');
  }
  const fields: Record<string, unknown> = { style, stack, region: values[REGION_OUTPUT] || undefined };
  for (const [field, s] of Object.entries(spec)) fields[field] = values[s.output] || undefined;
  if (style === 'server') {
    fields.instanceIds = String(fields.instanceIds).split(',').map((id) => id.trim()).filter(Boolean);
  }
  return fields as StackInfo;
}

/** Reads the file and returns one stack's info. */
export function loadStack(file: string, stack: string): StackInfo {
  return stackInfo(readOutputsFile(file), stack, file);
}

/** The region to call: `--region`, else the stack's Region output, else AWS_REGION / AWS_DEFAULT_REGION. */
export function resolveRegion(info: StackInfo, given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const region = given || info.region || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new CliError(`no region for stack ${info.stack}: it has no ${REGION_OUTPUT} output.`, EXIT_USAGE, 'Pass --region or set AWS_REGION.');
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new CliError(`region (${region}) is not an AWS region name like eu-west-1.`, EXIT_USAGE);
  }
  return region;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The URL to verify: `target` itself when it looks like a URL (`scheme://...`), else the URL output of the stack of
 * that name in the outputs file. Anything else is returned unchanged, for verify to reject as an invalid URL.
 */
export function verifyTarget(target: string, file: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target) || !/^[A-Za-z][A-Za-z0-9-]*$/.test(target)) return target;
  let outputs: OutputsFile;
  try {
    outputs = readOutputsFile(file);
  } catch {
    return target; // not a stack we can read: verify says the URL is invalid
  }
  if (!outputs[target]) return target;
  const info = stackInfo(outputs, target, file);
  if (!('url' in info) || !info.url) {
    const output = info.style === 'container' ? undefined : STACK_OUTPUTS[info.style].url.output;
    throw new CliError(
      `stack ${target} in ${file} has no URL to verify${output ? ` (output ${output})` : ''}.`,
      EXIT_USAGE,
      info.style === 'container' ? 'Pass the Service URL: kubectl get service -n ' + info.namespace : undefined,
    );
  }
  return info.url;
}
