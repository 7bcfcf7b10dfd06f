// Lambda's 4 KB for all environment variables together, at the boundary, over every variable the
// function receives (the app's, APP_VERSION, the secrets' *_SECRET_REF), measured as Lambda measures
// it: the variables as one JSON object (its error quotes 'String measured: {"KEY":"value"}').
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { FunctionService, type FunctionServiceProps } from '../../../constructs/serverless';
import { AppSecret, AppSource } from '../../../lib/app';
import { orchestrationErrorFrom, SAMPLE_APP_DIR, testStack } from '../../helpers';

const source = AppSource.fromDirectory(SAMPLE_APP_DIR);
const secrets = { DB_PASSWORD: AppSecret.fromParameterName('/app/db-password') };

function service(big: number) {
  const stack = testStack('Limits');
  const props = { app: { source, version: '1.0.0', environment: { BIG: 'x'.repeat(big) }, secrets } } as FunctionServiceProps;
  return { stack, make: () => new FunctionService(stack, 'Service', props) };
}

describe('FunctionService: Lambda\'s 4 KB environment limit, exactly', () => {
  // Every byte but BIG's x's: found once from a function with an empty BIG.
  const { stack: probeStack, make: probe } = service(0);
  probe();
  const probeVariables = Template.fromStack(probeStack).findResources('AWS::Lambda::Function');
  const variables = Object.values(probeVariables)[0]!.Properties.Environment.Variables as Record<string, unknown>;
  const rest = JSON.stringify(variables).length;

  it('counts every variable Lambda receives (APP_VERSION and the secret reference are in the template)', () => {
    expect(Object.keys(variables).sort()).toEqual(['APP_VERSION', 'BIG', 'DB_PASSWORD_SECRET_REF']);
  });
  it('accepts 4,096 bytes', () => {
    const { stack, make } = service(4096 - rest);
    make();
    const fn = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0]!;
    expect(JSON.stringify(fn.Properties.Environment.Variables).length).toBe(4096);
  });
  it('rejects 4,097 bytes', () => {
    const e = orchestrationErrorFrom(service(4097 - rest).make);
    expect(e.prop).toBe('app.environment');
    expect(e.value).toBe('4097 bytes');
    expect(e.message).toMatch(/must stay within Lambda's 4 KB limit \(4096 bytes, measured as the JSON object \{"KEY":"value",\.\.\.\}\) for all variables together \(APP_VERSION and the secrets' \*_SECRET_REF included\)$/);
  });
});
