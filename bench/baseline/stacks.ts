// The baseline for the synth benchmark: the same four orchestration styles built the way a
// competent CDK user without this library would build them: plain aws-cdk-lib L2 constructs,
// reasonable security (IMDSv2, SSM instead of SSH, encrypted volumes, least-privilege SGs,
// scan-on-push ECR, log groups with retention), a safe rollout per style, and no cdk-nag gate.
// It is a benchmark fixture, not a recommendation: it is never deployed.
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { KubectlV36Layer } from '@aws-cdk/lambda-layer-kubectl-v36';
import type { Construct } from 'constructs';
import * as path from 'node:path';

/** The sample app, the same directory the library's sample stacks ship. */
export const SAMPLE_APP_DIR = path.join(__dirname, '..', '..', 'apps', 'sample-app');
const CODE_EXCLUDE = ['node_modules', '.git', '*.md', 'Dockerfile', '.dockerignore', '*.test.*'];
const APP_PORT = 8080;

/** A VPC as most users write it: two AZs, public + private subnets, one NAT gateway. */
function network(scope: Construct): ec2.Vpc {
  return new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, mapPublicIpOnLaunch: false },
      { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    ],
  });
}

/** An instance role managed through SSM Session Manager (no SSH key). */
function instanceRole(scope: Construct): iam.Role {
  return new iam.Role(scope, 'InstanceRole', {
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
  });
}

/** User data that installs Node.js and runs the app from an S3 asset as a systemd service. */
function appUserData(asset: s3assets.Asset, extraEnv: Record<string, string> = {}): ec2.UserData {
  const ud = ec2.UserData.forLinux();
  ud.addCommands('dnf install -y nodejs unzip', 'useradd --system --create-home app-user || true');
  const zip = ud.addS3DownloadCommand({ bucket: asset.bucket, bucketKey: asset.s3ObjectKey });
  const env = Object.entries({ PORT: String(APP_PORT), NODE_ENV: 'production', ...extraEnv })
    .map(([k, v]) => `Environment=${k}=${v}`)
    .join('\n');
  ud.addCommands(
    'rm -rf /opt/app && mkdir -p /opt/app',
    `unzip -o ${zip} -d /opt/app`,
    'chown -R app-user /opt/app',
    `cat > /etc/systemd/system/app.service <<'EOF'
[Unit]
Description=sample app
After=network-online.target
[Service]
User=app-user
WorkingDirectory=/opt/app
${env}
ExecStart=/usr/bin/node server.js
Restart=always
[Install]
WantedBy=multi-user.target
EOF`,
    'systemctl daemon-reload',
    'systemctl enable --now app',
  );
  return ud;
}

const encryptedRoot = [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true }) }];

/** Server style: three app instances behind one nginx instance (the book's Ansible setup, in CDK). */
export class BaselineServerStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpc = network(this);
    const role = instanceRole(this);
    const asset = new s3assets.Asset(this, 'AppCode', { path: SAMPLE_APP_DIR, exclude: CODE_EXCLUDE });
    asset.grantRead(role);

    const lbSg = new ec2.SecurityGroup(this, 'NginxSg', { vpc, description: 'nginx: HTTP from anywhere' });
    lbSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP');
    const appSg = new ec2.SecurityGroup(this, 'AppSg', { vpc, description: 'app: only from nginx' });
    appSg.addIngressRule(lbSg, ec2.Port.tcp(APP_PORT), 'from nginx');

    const common = {
      vpc,
      role,
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      requireImdsv2: true,
      blockDevices: encryptedRoot,
    };
    const apps: ec2.Instance[] = [];
    for (let i = 1; i <= 3; i++) {
      apps.push(
        new ec2.Instance(this, `App${i}`, {
          ...common,
          securityGroup: appSg,
          vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
          userData: appUserData(asset, { REPLICA_ID: `app-${i}` }),
          userDataCausesReplacement: false,
        }),
      );
    }

    const nginx = ec2.UserData.forLinux();
    nginx.addCommands(
      'dnf install -y nginx',
      `cat > /etc/nginx/conf.d/app.conf <<'EOF'
upstream backend {
${apps.map((a) => `    server ${a.instancePrivateIp}:${APP_PORT} max_fails=1 fail_timeout=1s;`).join('\n')}
}
server {
    listen 80 default_server;
    location / {
        proxy_pass http://backend;
        proxy_next_upstream error timeout http_502 http_503;
        proxy_connect_timeout 2s;
        proxy_read_timeout 10s;
    }
}
EOF`,
      'rm -f /etc/nginx/conf.d/default.conf',
      'systemctl enable --now nginx',
      'systemctl reload nginx',
    );
    new ec2.Instance(this, 'Nginx', {
      ...common,
      securityGroup: lbSg,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      associatePublicIpAddress: true,
      userData: nginx,
      // a new upstream list replaces the load balancer (CDK has no in-place reload)
      userDataCausesReplacement: true,
    });
  }
}

/** VM style: an Auto Scaling group on a launch template behind an ALB, with instance refresh. */
export class BaselineVmStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpc = network(this);
    const role = instanceRole(this);
    const asset = new s3assets.Asset(this, 'AppCode', { path: SAMPLE_APP_DIR, exclude: CODE_EXCLUDE });
    asset.grantRead(role);

    const albSg = new ec2.SecurityGroup(this, 'AlbSg', { vpc, description: 'ALB: HTTP from anywhere' });
    albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP');
    const appSg = new ec2.SecurityGroup(this, 'AppSg', { vpc, description: 'app: only from the ALB' });
    appSg.addIngressRule(albSg, ec2.Port.tcp(APP_PORT), 'from the ALB');

    const template = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      userData: appUserData(asset),
      role,
      securityGroup: appSg,
      requireImdsv2: true,
      blockDevices: encryptedRoot,
    });
    const asg = new autoscaling.AutoScalingGroup(this, 'Asg', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate: template,
      minCapacity: 3,
      maxCapacity: 10,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: Duration.seconds(60),
      }),
      updatePolicy: autoscaling.UpdatePolicy.instanceRefresh({
        strategy: autoscaling.InstanceRefreshStrategy.ROLLING,
        minHealthyPercentage: 100,
        maxHealthyPercentage: 200,
        instanceWarmup: Duration.seconds(60),
      }),
    });
    asg.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 70 });

    const alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', { vpc, internetFacing: true, securityGroup: albSg });
    const listener = alb.addListener('Http', { port: 80, open: false });
    listener.addTargets('App', {
      port: APP_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [asg],
      deregistrationDelay: Duration.seconds(30),
      healthCheck: { path: '/healthz', interval: Duration.seconds(10), healthyThresholdCount: 2, unhealthyThresholdCount: 2 },
    });
  }
}

/** Container style: ECR + an EKS (v2) cluster with a managed node group + a plain Deployment/Service. */
export class BaselineContainerStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpc = network(this);
    const repo = new ecr.Repository(this, 'Repo', {
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      lifecycleRules: [{ maxImageCount: 20 }],
      removalPolicy: RemovalPolicy.DESTROY,
      emptyOnDelete: true,
    });
    const cluster = new eks.Cluster(this, 'Cluster', {
      version: eks.KubernetesVersion.V1_36,
      vpc,
      vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      clusterLogging: [eks.ClusterLoggingTypes.API, eks.ClusterLoggingTypes.AUDIT, eks.ClusterLoggingTypes.AUTHENTICATOR],
      kubectlProviderOptions: { kubectlLayer: new KubectlV36Layer(this, 'Kubectl') },
    });
    cluster.addNodegroupCapacity('Nodes', {
      instanceTypes: [ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MEDIUM)],
      amiType: eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
      minSize: 3,
      maxSize: 10,
    });
    const labels = { app: 'sample-app' };
    cluster.addManifest(
      'App',
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'sample-app', labels },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 0 } },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: 'app',
                  image: `${repo.repositoryUri}:1.0.0`,
                  ports: [{ containerPort: APP_PORT }],
                  env: [{ name: 'NODE_ENV', value: 'production' }],
                  readinessProbe: { httpGet: { path: '/healthz', port: APP_PORT } },
                  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
                  securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
                },
              ],
            },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'sample-app', labels },
        spec: { type: 'LoadBalancer', selector: labels, ports: [{ port: 80, targetPort: APP_PORT }] },
      },
    );
  }
}

/** Serverless style: Lambda + alias + Function URL + a CodeDeploy canary stopped by an errors alarm. */
export class BaselineServerlessStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const fn = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'lambda.handler',
      code: lambda.Code.fromAsset(SAMPLE_APP_DIR, { exclude: CODE_EXCLUDE }),
      memorySize: 128,
      timeout: Duration.seconds(5),
      environment: { NODE_ENV: 'production' },
      logGroup,
    });
    const alias = new lambda.Alias(this, 'Live', { aliasName: 'live', version: fn.currentVersion });
    alias.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    const errors = new cloudwatch.Alarm(this, 'Errors', {
      metric: alias.metricErrors({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    new codedeploy.LambdaDeploymentGroup(this, 'Deploy', {
      alias,
      deploymentConfig: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
      alarms: [errors],
      autoRollback: { failedDeployment: true, deploymentInAlarm: true },
    });
  }
}

/** The baseline stacks by style, named `Baseline<Style>`. */
export const BASELINE_STACKS = {
  server: BaselineServerStack,
  vm: BaselineVmStack,
  container: BaselineContainerStack,
  serverless: BaselineServerlessStack,
} as const;
export type Style = keyof typeof BASELINE_STACKS;
export const STYLES = Object.keys(BASELINE_STACKS) as Style[];

export function baselineStackName(style: Style): string {
  return `Baseline${style[0].toUpperCase()}${style.slice(1)}`;
}
