import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../../lib/cli/errors';
import { loadStack, readOutputsFile, resolveRegion, stackInfo, verifyTarget } from '../../../lib/cli/outputs';
import { STACK_OUTPUTS } from '../../../lib/cli/stack-outputs';
import { OUTPUTS, SERVER, tempFile } from './helpers';

const file = tempFile('cdk-outputs.json', JSON.stringify(OUTPUTS));

function error(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return err as CliError;
  }
  throw new Error('expected a CliError');
}

describe('reading the outputs file', () => {
  it('reads every sample stack for its style', () => {
    expect(loadStack(file, 'SampleServer-dev')).toEqual({ ...SERVER, instanceIds: ['i-1', 'i-2'] });
    expect(loadStack(file, 'SampleVm-dev')).toMatchObject({ style: 'vm', autoScalingGroupName: 'asg-1', url: 'http://alb.example.com/' });
    expect(loadStack(file, 'SampleServerless-dev')).toMatchObject({ style: 'serverless', functionName: 'fn-1', aliasName: 'live', application: 'app-1', deploymentGroup: 'dg-1' });
    expect(loadStack(file, 'SampleContainer-dev')).toMatchObject({ style: 'container', clusterName: 'cluster-1', namespace: 'sample', deploymentName: 'sample-app' });
  });

  it('names the file when it does not exist, as bad input (exit 2)', () => {
    const missing = path.join(os.tmpdir(), 'no-such-dir', 'outputs.json');
    const e = error(() => readOutputsFile(missing));
    expect(e.message).toBe(`outputs file ${missing} does not exist.`);
    expect(e.exitCode).toBe(2);
    expect(e.hint).toMatch(/--outputs-file/);
  });

  it('names the file when it is a directory', () => {
    expect(error(() => readOutputsFile(os.tmpdir())).message).toContain(`outputs file ${os.tmpdir()} is a directory`);
  });

  it('names the file and the parse error when the JSON is malformed', () => {
    const bad = tempFile('bad.json', '{"SampleVm-dev": {');
    const e = error(() => readOutputsFile(bad));
    expect(e.message).toMatch(new RegExp(`^outputs file ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON: `));
    expect(e.exitCode).toBe(2);
  });

  it('rejects JSON that is not an object of stacks of outputs', () => {
    expect(error(() => readOutputsFile(tempFile('a.json', '[1,2]'))).message).toMatch(/is not a JSON object of stacks/);
    expect(error(() => readOutputsFile(tempFile('b.json', '{"S": 3}'))).message).toMatch(/the entry for stack S is not an object of outputs/);
  });

  it('names an unknown stack and lists the known ones', () => {
    const e = error(() => loadStack(file, 'Nope'));
    expect(e.message).toBe(`stack Nope is not in ${file}.`);
    expect(e.hint).toBe('Stacks there: SampleServer-dev, SampleVm-dev, SampleServerless-dev, SampleContainer-dev.');
    expect(error(() => stackInfo({}, 'Nope', 'x.json')).hint).toMatch(/lists no stacks/);
  });

  it('rejects a stack without a Style output, or with an unknown style', () => {
    expect(error(() => stackInfo({ S: { Url: 'x' } }, 'S', 'f.json')).message).toMatch(/stack S in f\.json has no Style output/);
    expect(error(() => stackInfo({ S: { Style: 'mainframe' } }, 'S', 'f.json')).message).toBe(
      'stack S in f.json: Style (mainframe) is not one of server, vm, container, serverless.',
    );
  });

  it('names every required output that is missing', () => {
    const e = error(() => stackInfo({ S: { Style: 'serverless', FunctionName: 'f' } }, 'S', 'f.json'));
    expect(e.message).toBe('stack S in f.json lacks the output(s) AliasName, CodeDeployApplication, DeploymentGroup that the serverless style needs.');
  });

  it('keeps the output names in one table that matches the serverless sample stack', () => {
    expect(Object.values(STACK_OUTPUTS.serverless).map((s) => s.output)).toEqual(['Url', 'FunctionName', 'AliasName', 'AliasArn', 'CodeDeployApplication', 'DeploymentGroup']);
  });
});

describe('region', () => {
  const info = loadStack(file, 'SampleVm-dev');
  it('prefers --region, then the Region output, then AWS_REGION', () => {
    expect(resolveRegion(info, 'us-east-1', {})).toBe('us-east-1');
    expect(resolveRegion(info, undefined, { AWS_REGION: 'us-east-1' })).toBe('eu-west-1');
    expect(resolveRegion({ ...info, region: undefined }, undefined, { AWS_REGION: 'ap-southeast-2' })).toBe('ap-southeast-2');
  });
  it('asks for --region when there is none, and rejects a malformed one', () => {
    expect(error(() => resolveRegion({ ...info, region: undefined }, undefined, {})).hint).toBe('Pass --region or set AWS_REGION.');
    expect(error(() => resolveRegion(info, 'Ireland', {})).message).toBe('region (Ireland) is not an AWS region name like eu-west-1.');
  });
});

describe('verify target', () => {
  it("takes a URL as it is, and a stack name as that stack's URL output", () => {
    expect(verifyTarget('http://127.0.0.1:8080/', file)).toBe('http://127.0.0.1:8080/');
    expect(verifyTarget('SampleVm-dev', file)).toBe('http://alb.example.com/');
    expect(verifyTarget('SampleServer-dev', file)).toBe('http://1.2.3.4/');
    expect(verifyTarget('SampleServerless-dev', file)).toBe('https://abc.lambda-url.eu-west-1.on.aws/');
  });
  it('leaves anything else for verify to reject, and says when a stack has no URL', () => {
    expect(verifyTarget('Nope', file)).toBe('Nope');
    expect(verifyTarget('Nope', '/nonexistent/outputs.json')).toBe('Nope');
    expect(verifyTarget('not a url', file)).toBe('not a url');
    expect(error(() => verifyTarget('SampleContainer-dev', file)).message).toBe(`stack SampleContainer-dev in ${file} has no URL to verify.`);
    const noUrl = tempFile('o.json', JSON.stringify({ V: { Style: 'vm', AutoScalingGroupName: 'g' } }));
    expect(error(() => verifyTarget('V', noUrl)).message).toBe(`stack V in ${noUrl} has no URL to verify (output AlbUrl).`);
  });
});
