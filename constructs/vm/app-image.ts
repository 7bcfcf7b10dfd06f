import { Aws, Names, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as imagebuilder from 'aws-cdk-lib/aws-imagebuilder';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { acknowledgeNag } from '../shared/nag';
import { APP_USER, renderRuntimeInstall, shellQuote } from '../shared/app-runtime';
import { PATHS, readAsset } from './boot';

/** Options of the image VmService bakes with EC2 Image Builder. */
export interface ImageBuilderOptions {
  /**
   * The Node.js major version installed from Amazon Linux 2023's packages (`nodejs<N>`).
   * @default 22
   */
  readonly nodeMajorVersion?: number;
  /**
   * The instance type that builds and tests the image (same architecture as the fleet).
   * @default - t4g.small for an arm64 fleet, t3.small for x86_64
   */
  readonly buildInstanceType?: ec2.InstanceType;
  /**
   * Run the image's test phase (a fresh instance starts the app and checks its health path)
   * before the image is used.
   * @default true
   */
  readonly runTests?: boolean;
  /**
   * When an image is replaced (a new app version) or deleted, also deregister its AMI and
   * delete its snapshots, so that old images do not pile up (and cost snapshot storage).
   * Uses a role for Image Builder with the AWS-managed EC2ImageBuilderLifecycleExecutionPolicy.
   * @default true
   */
  readonly deleteReplacedImages?: boolean;
}

/** Props of {@link AppImage}. */
export interface AppImageProps extends ImageBuilderOptions {
  /** The app's source directory (ready-to-run JavaScript). */
  readonly sourceDirectory: string;
  /** Glob patterns left out of the code asset. */
  readonly exclude: string[];
  /** The app's command (for the test phase). */
  readonly command: string[];
  /** The app's port (for the test phase). */
  readonly port: number;
  /** The app's health path (for the test phase). */
  readonly healthCheckPath: string;
  /** The app's version (part of the image version). */
  readonly appVersion: string;
  /** The fleet's processor architecture. */
  readonly architecture: ec2.InstanceArchitecture;
  /** Root volume size of the image in GiB. */
  readonly rootVolumeSizeGiB: number;
  /** The VPC the build instance runs in. */
  readonly vpc: ec2.IVpc;
  /** Subnets with egress for the build instance (the first one is used). */
  readonly vpcSubnets: ec2.SubnetSelection;
}

/**
 * The app's AMI, baked inside the stack by EC2 Image Builder (L1 resources): Amazon Linux 2023,
 * Node.js, the CloudWatch agent, a non-root `app-user` and the app's code in /opt/app.
 *
 * Image Builder's components and recipes are immutable and named: the names derive from this
 * construct's path, the version from a hash of everything the image contains (the code asset's
 * hash included), so a new app version is a new component, recipe and image, and the launch
 * template that uses {@link imageId} gets a new version, which starts an instance refresh.
 */
export class AppImage extends Construct {
  /** The AMI id (known once the build finished, at deploy time). */
  public readonly imageId: string;
  /** The Image Builder image (the build). */
  public readonly image: imagebuilder.CfnImage;
  /** The image recipe. */
  public readonly recipe: imagebuilder.CfnImageRecipe;
  /** The component that installs the app. */
  public readonly component: imagebuilder.CfnComponent;
  /** Where and how the build runs. */
  public readonly infrastructureConfiguration: imagebuilder.CfnInfrastructureConfiguration;
  /** The build instance's role. */
  public readonly buildRole: iam.Role;
  /** The build instance's security group (egress only). */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The app's code, as an S3 asset. */
  public readonly asset: s3assets.Asset;
  /** The role Image Builder uses to delete replaced AMIs and snapshots, unless switched off. */
  public readonly deletionRole?: iam.Role;
  /** The semantic version of the component and recipe, derived from their content. */
  public readonly version: string;

  constructor(scope: Construct, id: string, props: AppImageProps) {
    super(scope, id);
    const arm = props.architecture === ec2.InstanceArchitecture.ARM_64;
    const nodeMajor = props.nodeMajorVersion ?? 22;

    this.asset = new s3assets.Asset(this, 'Code', { path: props.sourceDirectory, exclude: props.exclude });

    this.buildRole = new iam.Role(this, 'BuildRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'EC2 Image Builder build and test instances of the app image',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('EC2InstanceProfileForImageBuilder'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
      ],
    });
    this.buildRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [`arn:${Aws.PARTITION}:s3:::${this.asset.s3BucketName}/${this.asset.s3ObjectKey}`],
      }),
    );
    acknowledgeNag(this.buildRole, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/EC2InstanceProfileForImageBuilder]', 'Image Builder requires this AWS-managed policy on build instances (component and log access under the imagebuilder namespaces only).');
    acknowledgeNag(this.buildRole, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]', 'Image Builder drives build and test instances through SSM; this AWS-managed policy is the documented minimum.');

    const profile = new iam.InstanceProfile(this, 'BuildInstanceProfile', { role: this.buildRole });

    this.securityGroup = new ec2.SecurityGroup(this, 'BuildSecurityGroup', {
      vpc: props.vpc,
      description: 'Image Builder build instances: no inbound, outbound for packages and SSM',
      allowAllOutbound: true,
    });

    const base = Names.uniqueResourceName(this, { maxLength: 100, separator: '-' });
    const buildType = props.buildInstanceType ?? new ec2.InstanceType(arm ? 't4g.small' : 't3.small');

    const runtime = renderRuntimeInstall({ nodejsPackage: `nodejs${nodeMajor}`, logDir: path.posix.dirname(PATHS.logFile), home: PATHS.appDir });
    const installCommands = [...runtime, 'export APP_ARCHIVE=/tmp/app.zip', readAsset('install-app.sh')];
    const install = installCommands.join('\n');
    const testCommand = renderImageTest(props);
    const runTests = props.runTests ?? true;

    // Everything the image contains, minus tokens: a change here is a new version.
    this.version = imageVersion({
      asset: this.asset.assetHash,
      install,
      nodeMajor,
      arch: props.architecture,
      volume: props.rootVolumeSizeGiB,
      test: testCommand,
      runTests,
      appVersion: props.appVersion,
    });

    const document = {
      name: 'install-app',
      description: 'Installs Node.js, the CloudWatch agent, app-user and the app',
      schemaVersion: '1.0',
      phases: [
        {
          name: 'build',
          steps: [
            { name: 'DownloadApp', action: 'S3Download', inputs: [{ source: `s3://${this.asset.s3BucketName}/${this.asset.s3ObjectKey}`, destination: '/tmp/app.zip' }] },
            { name: 'InstallApp', action: 'ExecuteBash', inputs: { commands: installCommands } },
          ],
        },
        {
          name: 'validate',
          steps: [
            {
              name: 'Validate',
              action: 'ExecuteBash',
              inputs: { commands: [`set -euo pipefail`, `/usr/local/bin/node --version`, `id ${APP_USER}`, `test -d ${PATHS.appDir}`, `test -x ${PATHS.cwAgentCtl}`] },
            },
          ],
        },
        { name: 'test', steps: [{ name: 'SmokeTest', action: 'ExecuteBash', inputs: { commands: testCommand } }] },
      ],
    };

    this.component = new imagebuilder.CfnComponent(this, 'Component', {
      name: `${base}-app`,
      version: this.version,
      platform: 'Linux',
      supportedOsVersions: ['Amazon Linux 2023'],
      description: `The app ${props.appVersion} and its runtime`,
      data: Stack.of(this).toJsonString(document),
    });

    this.recipe = new imagebuilder.CfnImageRecipe(this, 'Recipe', {
      name: `${base}-recipe`,
      version: this.version,
      parentImage: `arn:${Aws.PARTITION}:imagebuilder:${Aws.REGION}:aws:image/amazon-linux-2023-${arm ? 'arm64' : 'x86'}/x.x.x`,
      components: [{ componentArn: this.component.attrArn }],
      blockDeviceMappings: [
        { deviceName: '/dev/xvda', ebs: { encrypted: true, volumeType: 'gp3', volumeSize: props.rootVolumeSizeGiB, deleteOnTermination: true } },
      ],
      description: `Amazon Linux 2023 with the app ${props.appVersion}`,
    });

    this.infrastructureConfiguration = new imagebuilder.CfnInfrastructureConfiguration(this, 'Infrastructure', {
      name: `${base}-infrastructure`,
      instanceProfileName: profile.instanceProfileName,
      instanceTypes: [buildType.toString()],
      subnetId: props.vpc.selectSubnets(props.vpcSubnets).subnetIds[0],
      securityGroupIds: [this.securityGroup.securityGroupId],
      instanceMetadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
      terminateInstanceOnFailure: true,
      description: 'Builds the app image in a private subnet',
    });

    if (props.deleteReplacedImages ?? true) {
      this.deletionRole = new iam.Role(this, 'DeletionRole', {
        assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com'),
        description: 'Lets Image Builder deregister replaced app AMIs and delete their snapshots',
        managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/EC2ImageBuilderLifecycleExecutionPolicy')],
      });
      acknowledgeNag(this.deletionRole, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy]', 'The AWS-managed policy for Image Builder image deletion only touches AMIs and snapshots tagged as created by Image Builder.');
    }

    this.image = new imagebuilder.CfnImage(this, 'Resource', {
      deletionSettings: this.deletionRole ? { executionRole: this.deletionRole.roleArn } : undefined,
      imageRecipeArn: this.recipe.attrArn,
      infrastructureConfigurationArn: this.infrastructureConfiguration.attrArn,
      enhancedImageMetadataEnabled: true,
      imageTestsConfiguration: { imageTestsEnabled: runTests, timeoutMinutes: 60 },
    });
    // The build downloads the asset with the role's policy, and reaches SSM and the package
    // repositories through the subnet's egress (a NAT route): both must exist first.
    this.image.node.addDependency(this.buildRole);
    this.image.node.addDependency(props.vpc.selectSubnets(props.vpcSubnets).internetConnectivityEstablished);
    this.imageId = this.image.attrImageId;
  }
}

/** A semantic version `1.0.<n>` derived from content (Image Builder allows up to 2^30-1 per part). */
export function imageVersion(content: unknown): string {
  const hex = createHash('sha256').update(JSON.stringify(content)).digest('hex');
  return `1.0.${parseInt(hex.slice(0, 7), 16)}`;
}

/**
 * The image's test phase: on a fresh instance of the image, run the app's command as app-user
 * with a test port and wait up to 60 s for its health path to answer 200.
 */
export function renderImageTest(o: { command: string[]; port: number; healthCheckPath: string }): string[] {
  const testPort = o.port === 18080 ? 18081 : 18080;
  return [
    'set -euo pipefail',
    `cd ${PATHS.appDir}`,
    `runuser -u ${APP_USER} -- env PATH=/usr/local/bin:/usr/bin:/bin PORT=${testPort} APP_VERSION=image-test ${o.command.map(shellQuote).join(' ')} > /tmp/app-test.log 2>&1 &`,
    'pid=$!',
    'ok=',
    `for i in $(seq 1 60); do if curl -fsS -o /dev/null ${shellQuote(`http://127.0.0.1:${testPort}${o.healthCheckPath}`)}; then ok=1; break; fi; sleep 1; done`,
    'kill "$pid" || true',
    'wait "$pid" || true',
    'cat /tmp/app-test.log',
    `if [ -z "$ok" ]; then echo "the app did not answer ${o.healthCheckPath} with 200 within 60 s" >&2; exit 1; fi`,
  ];
}
