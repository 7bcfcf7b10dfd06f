import { Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';

/**
 * The name a service answers at over HTTPS: a domain name, the Route 53 hosted zone its alias
 * record goes in, and optionally an existing certificate.
 */
export interface ServiceDomain {
  /**
   * The fully qualified domain name users call, without a trailing dot, e.g. `vm.example.com`.
   * It must be the hosted zone's name or a name inside the zone.
   */
  readonly domainName: string;
  /**
   * The public hosted zone the alias record goes in (and, for a new certificate, the DNS
   * validation record). Offline synths import it without a lookup:
   * `route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId, zoneName })`.
   */
  readonly hostedZone: route53.IHostedZone;
  /**
   * The certificate the HTTPS/TLS listener presents. It must cover `domainName` and live in the
   * service's region (CloudFront: us-east-1).
   * @default - a new ACM certificate for `domainName`, validated through DNS in `hostedZone`
   */
  readonly certificate?: acm.ICertificate;
}

/**
 * The security policy of every HTTPS (ALB) and TLS (NLB) listener this library creates:
 * `ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09`. TLS 1.3 and TLS 1.2 only, TLS 1.2 restricted
 * to forward-secret AEAD ciphers (ECDHE with AES-GCM), and hybrid post-quantum key exchange
 * (ML-KEM) for clients that offer it. It is the policy AWS recommends and the console's default
 * for both Application and Network Load Balancers ("Security policies for your Application Load
 * Balancer" / "... Network Load Balancer", Elastic Load Balancing docs). Without an explicit
 * policy, CloudFormation would apply `ELBSecurityPolicy-2016-08` (TLS 1.0+), and aws-cdk-lib with
 * the `@aws-cdk/aws-elasticloadbalancingv2:usePostQuantumTlsPolicy` flag (set in cdk.json)
 * `ELBSecurityPolicy-TLS13-1-2-PQ-2025-09`, which still accepts TLS 1.2 CBC ciphers; we set the
 * restricted one explicitly so that the choice does not depend on a feature flag.
 */
export const TLS_POLICY: elbv2.SslPolicy = elbv2.SslPolicy.TLS13_12_RES_PQ;

/** One DNS label: letters, digits and hyphens, 1 to 63 characters, no hyphen at either end. */
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

/**
 * Checks a `domain` prop from any caller (plain JavaScript included): an object with a valid
 * `domainName`, a hosted zone, and optionally a certificate. When the zone's name is known at
 * synth, the domain must be the zone's name or inside it.
 */
export function checkDomain(scope: Construct, prop: string, domain: unknown): asserts domain is ServiceDomain {
  const example = "{ domainName: 'app.example.com', hostedZone: route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId, zoneName: 'example.com' }) }";
  if (domain === null || typeof domain !== 'object' || Array.isArray(domain)) {
    throw new OrchestrationError(scope, prop, domain, `must be an object, for example ${example}`);
  }
  const d = domain as Record<string, unknown>;
  for (const key of Object.keys(d)) {
    if (!['domainName', 'hostedZone', 'certificate'].includes(key)) {
      throw new OrchestrationError(scope, `${prop}.${key}`, d[key], 'is not a known prop: known props are domainName, hostedZone, certificate');
    }
  }
  const name = d.domainName;
  if (typeof name !== 'string') throw new OrchestrationError(scope, `${prop}.domainName`, name, "must be a domain name string, for example 'app.example.com'");
  if (!Token.isUnresolved(name)) checkDomainName(scope, `${prop}.domainName`, name);

  const zone = d.hostedZone as { hostedZoneId?: unknown } | null | undefined;
  if (zone === null || typeof zone !== 'object' || typeof zone.hostedZoneId !== 'string') {
    throw new OrchestrationError(scope, `${prop}.hostedZone`, zone, 'must be a Route 53 hosted zone (route53.IHostedZone), for example route53.HostedZone.fromHostedZoneAttributes(this, \'Zone\', { hostedZoneId, zoneName })');
  }
  const zoneName = zoneNameOf(zone as route53.IHostedZone);
  if (zoneName !== undefined && !Token.isUnresolved(name)) {
    const n = name.toLowerCase();
    const z = zoneName.toLowerCase().replace(/\.$/, '');
    if (n !== z && !n.endsWith(`.${z}`)) {
      throw new OrchestrationError(scope, `${prop}.domainName`, name, `must be the hosted zone's name (${z}) or a name inside it (for example app.${z})`);
    }
  }

  const cert = d.certificate as { certificateArn?: unknown } | null | undefined;
  if (cert !== undefined && (cert === null || typeof cert !== 'object' || typeof cert.certificateArn !== 'string')) {
    throw new OrchestrationError(scope, `${prop}.certificate`, cert, 'must be an ACM certificate (acm.ICertificate), for example acm.Certificate.fromCertificateArn(this, \'Cert\', arn)');
  }
}

function checkDomainName(scope: Construct, prop: string, name: string): void {
  const allowed = "must be a fully qualified domain name without a trailing dot or wildcard: two or more labels of letters, digits and hyphens (1-63 characters each, no hyphen at either end), at most 253 characters, for example 'app.example.com'";
  const labels = name.split('.');
  if (name.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels[labels.length - 1]!)) {
    throw new OrchestrationError(scope, prop, name, allowed);
  }
}

/** The zone's name when known at synth (`fromHostedZoneId` zones have none: accessing it throws). */
function zoneNameOf(zone: route53.IHostedZone): string | undefined {
  try {
    const n = zone.zoneName;
    return typeof n === 'string' && !Token.isUnresolved(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The certificate for a domain: the given one, or a new ACM certificate for `domainName`
 * validated through DNS in the domain's hosted zone (CloudFormation creates the validation
 * record and waits until ACM issues the certificate).
 */
export function domainCertificate(scope: Construct, id: string, domain: ServiceDomain): acm.ICertificate {
  if (domain.certificate) return domain.certificate;
  return new acm.Certificate(scope, id, {
    domainName: domain.domainName,
    validation: acm.CertificateValidation.fromDns(domain.hostedZone),
  });
}

/**
 * The alias record(s) that point the domain at a target (a load balancer, a distribution):
 * an A record, plus an AAAA record with the same name when `dualStack` is true (the target
 * answers over IPv6: a dual-stack load balancer, a CloudFront distribution with IPv6 on).
 * The AAAA record, when made, is `<id>Ipv6` next to the A record.
 */
export function addAliasRecords(scope: Construct, id: string, domain: ServiceDomain, target: route53.RecordTarget, dualStack = false): route53.ARecord {
  // aws-cdk-lib appends the zone's name to a record name it cannot see ending in it: a deploy-time name
  // would become `vm.example.com.example.com.`. A trailing dot marks the name as fully qualified.
  const recordName = Token.isUnresolved(domain.domainName) && !domain.domainName.endsWith('.') ? `${domain.domainName}.` : domain.domainName;
  const a = new route53.ARecord(scope, id, { zone: domain.hostedZone, recordName, target });
  if (dualStack) new route53.AaaaRecord(scope, `${id}Ipv6`, { zone: domain.hostedZone, recordName, target });
  return a;
}
