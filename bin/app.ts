// The CDK app: one sample stack per style, checked by the cdk-nag AwsSolutions pack (the
// security gate: synth fails on any unacknowledged finding) and, in prod, by AWS Control Tower's
// proactive controls (the compliance gate). `npx cdk synth` needs no AWS account;
// `-c env=dev|stage|prod` picks the environment (default dev); prod needs
// `-c domainName=example.com -c hostedZoneId=Z0EXAMPLE` (README.md, "Production profile").
import type { App } from 'aws-cdk-lib';
import { createSampleApp, ProductionContextError } from '../apps/sample-app-stacks';
import { CFNGUARD_PACKAGE } from '../constructs/shared/compliance';
import { EnvironmentNameError } from '../lib/environments';
import { OrchestrationError } from '../lib/errors';

let app: App;
try {
  app = createSampleApp().app;
} catch (e) {
  // A bad `-c env=...` is a typo on the command line: its message says what to type, and a stack
  // trace would only bury it. Anything else is a bug and keeps its stack trace. process.exit, not
  // exitCode: under the CDK CLI (CDK_OUTDIR set) the App already created would otherwise
  // synthesize an empty cloud assembly when the process is about to exit.
  // The same for prod without its domain (ProductionContextError), for a bad `-c adminRoleArn=...`,
  // `-c hostedZoneId=...` and the like (our error names the prop as typed: `-c adminRoleArn`), and
  // for the Control Tower gate's package missing (the message names the command that installs it).
  const commandLine = e instanceof OrchestrationError && (e.prop.startsWith('-c ') || e.prop === CFNGUARD_PACKAGE);
  if (!(e instanceof EnvironmentNameError) && !(e instanceof ProductionContextError) && !commandLine) throw e;
  console.error(e.message);
  process.exit(1);
}
app.synth();
