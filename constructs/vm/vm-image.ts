import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IConstruct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkConcrete, checkInteger, checkKnownProps, checkPattern, checkType, isDeployTime } from '../../lib/validate';
import type { ImageBuilderOptions } from './app-image';
import { IMAGE_BUILDER_OPTIONS } from './known-props';

const AMI_ID = /^ami-[0-9a-f]{8,17}$/;
const PARAMETER_NAME = /^[A-Za-z0-9_.\-/]{1,2048}$/;

/**
 * Where {@link VmService}'s machine image comes from: baked in the stack by EC2 Image Builder
 * (the default), an AMI id, or an AMI id stored in an SSM parameter.
 *
 * An image you bring (a Packer image built with the style's `assets/install-app.sh`, for example)
 * must contain Node.js at /usr/local/bin/node (or `node` on the PATH), the user `app-user` and the
 * app in /opt/app.
 *
 * @example
 * new VmService(this, 'Service', { app, image: VmImage.fromAmiId('ami-0123456789abcdef0') });
 */
export class VmImage {
  /**
   * Bake the app into an AMI in the stack with EC2 Image Builder (Amazon Linux 2023, Node.js, the
   * CloudWatch agent, `app-user`, the app's code). A new app version is a new image, which starts
   * an instance refresh.
   * @param options Node.js version, build instance type, image tests, clean-up of replaced images.
   */
  public static bake(options: ImageBuilderOptions = {}): VmImage {
    checkBakeOptions('', 'VmImage.bake(options)', options);
    return new VmImage(options, undefined, undefined);
  }

  /**
   * Run this AMI. May be a deploy-time value (a `CfnParameter`): it goes into the launch
   * template's `ImageId` as it is.
   * @param amiId `ami-` followed by 8 or 17 hex digits.
   */
  public static fromAmiId(amiId: string): VmImage {
    checkAmiId('', 'VmImage.fromAmiId(amiId)', amiId);
    return new VmImage(undefined, amiId, undefined);
  }

  /**
   * Run the AMI whose id is stored in this SSM parameter, read by CloudFormation at every deploy
   * (never at synth): a new id in the parameter starts an instance refresh on the next deploy.
   * The name must be known at synth (it becomes the default of a template parameter); for a
   * deploy-time AMI use {@link VmImage.fromAmiId}.
   * @param parameterName letters, digits and `_.-/`, for example `/golden/app-ami`.
   */
  public static fromSsmParameter(parameterName: string): VmImage {
    checkParameterName('', 'VmImage.fromSsmParameter(parameterName)', parameterName);
    return new VmImage(undefined, undefined, parameterName);
  }

  /** The Image Builder options, when the image is baked in the stack. */
  public readonly bakeOptions?: ImageBuilderOptions;
  /** The AMI id, with {@link VmImage.fromAmiId}. */
  public readonly amiId?: string;
  /** The SSM parameter's name, with {@link VmImage.fromSsmParameter}. */
  public readonly parameterName?: string;

  private constructor(bakeOptions: ImageBuilderOptions | undefined, amiId: string | undefined, parameterName: string | undefined) {
    this.bakeOptions = bakeOptions;
    this.amiId = amiId;
    this.parameterName = parameterName;
  }
}

/** What each factory accepts, for the errors of callers without a type checker. */
const FACTORIES = 'VmImage.bake(), VmImage.fromAmiId() or VmImage.fromSsmParameter()';

/**
 * The `image` prop of a construct: a {@link VmImage} (not an object literal or a string from plain
 * JavaScript), its arguments checked again under the construct's path and prop.
 * Not exported from the package.
 */
export function checkVmImage(where: IConstruct, prop: string, image: unknown): asserts image is VmImage | undefined {
  if (image === undefined) return;
  if (!(image instanceof VmImage)) throw new OrchestrationError(where, prop, image, `must be made with ${FACTORIES}`);
  if (image.bakeOptions !== undefined) checkBakeOptions(where, `${prop}.bakeOptions`, image.bakeOptions);
  if (image.amiId !== undefined) checkAmiId(where, `${prop}.amiId`, image.amiId);
  if (image.parameterName !== undefined) checkParameterName(where, `${prop}.parameterName`, image.parameterName);
}

type Where = IConstruct | string;

function checkAmiId(where: Where, prop: string, amiId: unknown): void {
  if (amiId === undefined) throw new OrchestrationError(where, prop, amiId, 'must be an AMI id (ami- followed by 8 or 17 hex digits)');
  checkType(where, prop, amiId, 'string');
  checkPattern(where, prop, amiId as string, AMI_ID, 'an AMI id (ami- followed by 8 or 17 hex digits)');
}

function checkParameterName(where: Where, prop: string, name: unknown): void {
  if (name === undefined) throw new OrchestrationError(where, prop, name, 'must be an SSM parameter name (letters, digits and _.-/)');
  checkType(where, prop, name, 'string');
  checkConcrete(where, prop, name, 'it becomes the default of a template parameter CloudFormation reads at deploy time; pass the AMI id itself with VmImage.fromAmiId() (that may be a deploy-time value)');
  checkPattern(where, prop, name as string, PARAMETER_NAME, 'an SSM parameter name (letters, digits and _.-/)');
}

function checkBakeOptions(where: Where, prop: string, options: unknown): void {
  checkKnownProps(where, options, IMAGE_BUILDER_OPTIONS, `${prop}.`);
  const o = options as ImageBuilderOptions;
  checkType(where, `${prop}.nodeMajorVersion`, o.nodeMajorVersion, 'number');
  checkType(where, `${prop}.runTests`, o.runTests, 'boolean');
  checkType(where, `${prop}.deleteReplacedImages`, o.deleteReplacedImages, 'boolean');
  if (o.buildInstanceType !== undefined && !(o.buildInstanceType instanceof ec2.InstanceType)) {
    throw new OrchestrationError(where, `${prop}.buildInstanceType`, o.buildInstanceType, 'must be an ec2.InstanceType, for example new ec2.InstanceType(\'t4g.small\')');
  }
  checkConcrete(where, `${prop}.nodeMajorVersion`, o.nodeMajorVersion, 'it names the Node.js package installed, and the image is baked in the stack and its version is a hash of its content, computed at synth');
  checkInteger(where, `${prop}.nodeMajorVersion`, o.nodeMajorVersion, { min: 18, max: 99 });
  const build = o.buildInstanceType;
  if (build !== undefined && !isDeployTime(build)) {
    try {
      void build.architecture;
    } catch {
      throw new OrchestrationError(where, `${prop}.buildInstanceType`, String(build), 'must be an EC2 instance type such as t4g.micro (family, generation and attributes, a dot, the size)');
    }
  }
}
