import { Aws, Names, type Size, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as imagebuilder from 'aws-cdk-lib/aws-imagebuilder';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { OrchestrationError } from '../../lib/errors';
import { checkConcrete, checkInteger, checkKnownProps, checkMaxBytes, checkOneOf, checkPattern, checkType, isDeployTime, sizeInGiB } from '../../lib/validate';
import { APP_USER, renderRuntimeInstall, shellQuote } from '../shared/app-runtime';
import { acknowledgeNag } from '../shared/nag';
import { PATHS, readAsset } from './boot';
import { APP_IMAGE_PROPS } from './known-props';

/** Options of the image VmService bakes with EC2 Image Builder. */
export interface ImageBuilderOptions {
  /**
   * The Node.js major version installed from Amazon Linux 2023's packages (`nodejs<N>`). Must be
   * known at synth (it is written into the install script and the image's version).
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
  /**
   * Root volume size of the image (encrypted gp3), whole GiB from 8 to 16384. Known at synth
   * (it is part of the recipe, whose version is a hash of its content).
   * @default Size.gibibytes(8)
   */
  readonly rootVolumeSize?: Size;
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
    validateAppImageProps(this, props);
    const arm = props.architecture === ec2.InstanceArchitecture.ARM_64;
    const nodeMajor = props.nodeMajorVersion ?? 22;
    const volumeGiB = rootVolumeGiB(this, props);

    this.asset = new s3assets.Asset(this, 'Code', { path: props.sourceDirectory, exclude: props.exclude });
    this.buildRole = this.createBuildRole();
    const profile = new iam.InstanceProfile(this, 'BuildInstanceProfile', { role: this.buildRole });
    this.securityGroup = new ec2.SecurityGroup(this, 'BuildSecurityGroup', {
      vpc: props.vpc,
      description: 'Image Builder build instances: no inbound, outbound for packages and SSM',
      allowAllOutbound: true,
    });

    const base = Names.uniqueResourceName(this, { maxLength: 100, separator: '-' });
    const installCommands = renderInstallCommands(nodeMajor);
    const testCommand = renderImageTest(props);
    const runTests = props.runTests ?? true;
    const component = componentProperties(props.appVersion, installCommands, testCommand);
    checkComponentSize(this, component, this.asset.s3ObjectKey);
    // Everything the image contains, all known at synth (deploy-time values were rejected above): the
    // whole rendered component (every phase and property; the code by its asset hash) and the recipe's
    // parts. A change anywhere is a new version, so a new library release never collides with an
    // existing component's name and version.
    this.version = imageVersion({
      component: { ...component, document: component.document(`s3://asset/${this.asset.assetHash}`) },
      recipe: { arch: props.architecture, volume: volumeGiB, description: recipeDescription(props.appVersion) },
      runTests,
    });

    this.component = this.createComponent(base, component);
    this.recipe = this.createRecipe(base, props, arm, volumeGiB);
    this.infrastructureConfiguration = this.createInfrastructure(base, props, profile, props.buildInstanceType ?? new ec2.InstanceType(arm ? 't4g.small' : 't3.small'));
    this.deletionRole = (props.deleteReplacedImages ?? true) ? this.createDeletionRole() : undefined;
    this.image = this.createImage(props, runTests);
    this.imageId = this.image.attrImageId;
  }

  /** The build and test instances' role: Image Builder's and SSM's managed policies, and the code asset object. */
  private createBuildRole(): iam.Role {
    const role = new iam.Role(this, 'BuildRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'EC2 Image Builder build and test instances of the app image',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('EC2InstanceProfileForImageBuilder'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
      ],
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [`arn:${Aws.PARTITION}:s3:::${this.asset.s3BucketName}/${this.asset.s3ObjectKey}`],
      }),
    );
    acknowledgeNag(role, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/EC2InstanceProfileForImageBuilder]', 'Image Builder requires this AWS-managed policy on build instances (component and log access under the imagebuilder namespaces only).');
    acknowledgeNag(role, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]', 'Image Builder drives build and test instances through SSM; this AWS-managed policy is the documented minimum.');
    return role;
  }

  /** The component: download and install the app (build), check the runtime (validate), start it and call its health path (test). */
  private createComponent(base: string, component: ComponentProperties): imagebuilder.CfnComponent {
    return new imagebuilder.CfnComponent(this, 'Component', {
      name: `${base}-app`,
      version: this.version,
      platform: component.platform,
      supportedOsVersions: component.supportedOsVersions,
      description: component.description,
      data: Stack.of(this).toJsonString(component.document(`s3://${this.asset.s3BucketName}/${this.asset.s3ObjectKey}`)),
    });
  }

  private createRecipe(base: string, props: AppImageProps, arm: boolean, volumeGiB: number): imagebuilder.CfnImageRecipe {
    return new imagebuilder.CfnImageRecipe(this, 'Recipe', {
      name: `${base}-recipe`,
      version: this.version,
      parentImage: `arn:${Aws.PARTITION}:imagebuilder:${Aws.REGION}:aws:image/amazon-linux-2023-${arm ? 'arm64' : 'x86'}/x.x.x`,
      components: [{ componentArn: this.component.attrArn }],
      blockDeviceMappings: [
        { deviceName: '/dev/xvda', ebs: { encrypted: true, volumeType: 'gp3', volumeSize: volumeGiB, deleteOnTermination: true } },
      ],
      description: recipeDescription(props.appVersion),
    });
  }

  /** Where the build runs: the first of the given subnets, IMDSv2, failed builds terminated. */
  private createInfrastructure(base: string, props: AppImageProps, profile: iam.InstanceProfile, buildType: ec2.InstanceType): imagebuilder.CfnInfrastructureConfiguration {
    return new imagebuilder.CfnInfrastructureConfiguration(this, 'Infrastructure', {
      name: `${base}-infrastructure`,
      instanceProfileName: profile.instanceProfileName,
      instanceTypes: [buildType.toString()],
      subnetId: props.vpc.selectSubnets(props.vpcSubnets).subnetIds[0],
      securityGroupIds: [this.securityGroup.securityGroupId],
      instanceMetadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
      terminateInstanceOnFailure: true,
      description: 'Builds the app image in a private subnet',
    });
  }

  /** The role Image Builder uses to deregister replaced AMIs and delete their snapshots. */
  private createDeletionRole(): iam.Role {
    const role = new iam.Role(this, 'DeletionRole', {
      assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com'),
      description: 'Lets Image Builder deregister replaced app AMIs and delete their snapshots',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/EC2ImageBuilderLifecycleExecutionPolicy')],
    });
    acknowledgeNag(role, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy]', 'The AWS-managed policy for Image Builder image deletion only touches AMIs and snapshots tagged as created by Image Builder.');
    return role;
  }

  private createImage(props: AppImageProps, runTests: boolean): imagebuilder.CfnImage {
    const image = new imagebuilder.CfnImage(this, 'Resource', {
      deletionSettings: this.deletionRole ? { executionRole: this.deletionRole.roleArn } : undefined,
      imageRecipeArn: this.recipe.attrArn,
      infrastructureConfigurationArn: this.infrastructureConfiguration.attrArn,
      enhancedImageMetadataEnabled: true,
      imageTestsConfiguration: { imageTestsEnabled: runTests, timeoutMinutes: 60 },
    });
    // The build downloads the asset with the role's policy, and reaches SSM and the package
    // repositories through the subnet's egress (a NAT route): both must exist first.
    image.node.addDependency(this.buildRole);
    image.node.addDependency(props.vpc.selectSubnets(props.vpcSubnets).internetConnectivityEstablished);
    return image;
  }
}

/**
 * The props of an image built directly (VmService checks its own props first, in its own names).
 * What goes into the image's content hash, its scripts or its file list must be known at synth.
 */
function validateAppImageProps(where: Construct, props: AppImageProps): void {
  checkKnownProps(where, props, APP_IMAGE_PROPS);
  if (props === undefined || props === null) throw new OrchestrationError(where, 'props', props, 'must be an object with at least sourceDirectory, vpc and architecture');
  for (const p of ['sourceDirectory', 'healthCheckPath', 'appVersion', 'architecture'] as const) checkType(where, p, props[p], 'string');
  for (const p of ['port', 'nodeMajorVersion'] as const) checkType(where, p, props[p], 'number');
  for (const p of ['runTests', 'deleteReplacedImages'] as const) checkType(where, p, props[p], 'boolean');
  const why = 'the image\'s version is a hash of its content, computed at synth';
  checkConcrete(where, 'sourceDirectory', props.sourceDirectory, 'the directory is packaged as an asset at synth');
  checkConcrete(where, 'exclude', props.exclude, 'the patterns filter the directory at synth');
  checkConcrete(where, 'command', props.command, `it is written into the image's test script, and ${why}`);
  checkConcrete(where, 'healthCheckPath', props.healthCheckPath, `it is written into the image's test script, and ${why}`);
  checkConcrete(where, 'appVersion', props.appVersion, why);
  checkConcrete(where, 'nodeMajorVersion', props.nodeMajorVersion, `it names the Node.js package installed, and ${why}`);
  checkConcrete(where, 'architecture', props.architecture, 'it picks the parent image (arm64 or x86_64)');
  checkOneOf(where, 'architecture', props.architecture, [ec2.InstanceArchitecture.ARM_64, ec2.InstanceArchitecture.X86_64]);
  checkInteger(where, 'nodeMajorVersion', props.nodeMajorVersion, { min: 18, max: 99 });
  checkInteger(where, 'port', props.port, { min: 1, max: 65535 });
  checkPattern(where, 'healthCheckPath', props.healthCheckPath, /^\/[^\s?#]*$/, 'a path starting with "/" without spaces, query or fragment');
  checkPattern(where, 'appVersion', props.appVersion, /^[A-Za-z0-9._+-]{1,64}$/, 'letters, digits, ".", "_", "+" or "-", at most 64 characters (it goes into the component\'s and recipe\'s descriptions)');
  if (!Array.isArray(props.command) || props.command.length === 0 || props.command.some((c) => typeof c !== 'string' || c === '')) {
    throw new OrchestrationError(where, 'command', props.command, 'must be a non-empty list of non-empty strings');
  }
  const build = props.buildInstanceType;
  if (build !== undefined && !(build instanceof ec2.InstanceType)) {
    throw new OrchestrationError(where, 'buildInstanceType', build, 'must be an ec2.InstanceType, for example new ec2.InstanceType(\'t4g.small\')');
  }
  if (build && !isDeployTime(build) && build.architecture !== props.architecture) {
    throw new OrchestrationError(where, 'buildInstanceType', String(build), `must have the image's architecture (${props.architecture})`);
  }
}

/** The recipe's volume size in GiB: whole GiB from 8 to 16384, known at synth (part of the image's version). */
function rootVolumeGiB(where: Construct, props: AppImageProps): number {
  const gib = sizeInGiB(where, 'rootVolumeSize', props.rootVolumeSize, { min: 8, max: 16384 }) ?? 8;
  checkConcrete(where, 'rootVolumeSize', gib, 'it is the recipe\'s volume size, and the image\'s version is a hash of its content, computed at synth');
  return gib;
}

/** The component's properties, its document rendered for a given location of the code. */
export interface ComponentProperties {
  readonly platform: string;
  readonly supportedOsVersions: string[];
  readonly description: string;
  readonly document: (source: string) => Record<string, unknown>;
}

/** Image Builder's limit on an inline component document (CreateComponent `data`: at most 16,000 characters). */
export const COMPONENT_DATA_MAX = 16_000;

/** The component: its properties and its whole document (build, validate and test phases). */
export function componentProperties(appVersion: string, installCommands: string[], testCommand: string[]): ComponentProperties {
  return {
    platform: 'Linux',
    supportedOsVersions: ['Amazon Linux 2023'],
    description: `The app ${appVersion} and its runtime`,
    document: (source) => ({
      name: 'install-app',
      description: 'Installs Node.js, the CloudWatch agent, app-user and the app',
      schemaVersion: '1.0',
      phases: [
        {
          name: 'build',
          steps: [
            { name: 'DownloadApp', action: 'S3Download', inputs: [{ source, destination: '/tmp/app.zip' }] },
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
    }),
  };
}

/**
 * The component document within Image Builder's 16,000 characters, measured with the longest code
 * location it can get (a bucket name has at most 63 characters). The app's command is the part that
 * varies (the install script is the library's).
 */
function checkComponentSize(where: Construct, component: ComponentProperties, objectKey: string): void {
  const key = Token.isUnresolved(objectKey) ? 'k'.repeat(1024) : objectKey;
  const data = JSON.stringify(component.document(`s3://${'b'.repeat(63)}/${key}`));
  checkMaxBytes(where, 'command', data, COMPONENT_DATA_MAX, `makes the image's Image Builder component document exceed its limit of ${COMPONENT_DATA_MAX} characters: shorten it`);
}

function recipeDescription(appVersion: string): string {
  return `Amazon Linux 2023 with the app ${appVersion}`;
}

/** The image's build step: Node.js, the CloudWatch agent and app-user, then the app from /tmp/app.zip. */
function renderInstallCommands(nodeMajor: number): string[] {
  return [
    ...renderRuntimeInstall({ nodejsPackage: `nodejs${nodeMajor}`, logDir: path.posix.dirname(PATHS.logFile), home: PATHS.appDir }),
    'export APP_ARCHIVE=/tmp/app.zip',
    readAsset('install-app.sh'),
  ];
}

/** Image Builder's largest value of each of major, minor and patch: 2^30 - 1. */
export const SEMANTIC_VERSION_NODE_MAX = 2 ** 30 - 1;

/** A semantic version `1.0.<n>` derived from content (Image Builder allows up to 2^30-1 per part). */
export function imageVersion(content: unknown): string {
  return versionFromHash(createHash('sha256').update(JSON.stringify(content)).digest('hex'));
}

/** `1.0.<n>`, n the first 7 hex digits of a hash: at most 0xfffffff = 268,435,455, within {@link SEMANTIC_VERSION_NODE_MAX}. */
export function versionFromHash(hex: string): string {
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
