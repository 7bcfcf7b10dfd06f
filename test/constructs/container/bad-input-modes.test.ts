// Bad input to the container style's mode classes and enums (NodeCapacity, PercentOrCount, NodeOs,
// ZoneSpread, ImagePullPolicy): each factory checks its own arguments, and each construct that receives
// one checks it again, so a plain-JavaScript (or other-language) caller passing an object literal, a
// 0.x string or a number gets the library's error naming the prop and what is allowed, never a TypeError.
import { Size } from 'aws-cdk-lib';
import * as cdk8s from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  AppChart,
  type AppChartProps,
  AppCluster,
  type AppClusterProps,
  ContainerService,
  type ContainerServiceProps,
  ImagePullPolicy,
  NodeCapacity,
  type NodegroupCapacityOptions,
  NodeOs,
  PercentOrCount,
  ZoneSpread,
} from '../../../constructs/container';
import { type AppDescription, AppSource } from '../../../lib/app';
import { orchestrationErrorFrom, testStack } from '../../helpers';

const app: AppDescription = { source: AppSource.fromImage('public.ecr.aws/nginx/nginx:1.27') };

const serviceError = (props: Record<string, unknown>) => orchestrationErrorFrom(() => new ContainerService(testStack('Bad'), 'Service', { app, ...props } as unknown as ContainerServiceProps));
const clusterError = (props: Record<string, unknown>) => orchestrationErrorFrom(() => new AppCluster(testStack('Bad'), 'Cluster', props as AppClusterProps));
const chartError = (props: Record<string, unknown>) => orchestrationErrorFrom(() => new AppChart(new cdk8s.App(), 'app', { app, image: 'x:1', ...props } as unknown as AppChartProps));
const nodegroupError = (options: Record<string, unknown>) => orchestrationErrorFrom(() => NodeCapacity.nodegroup(options as NodegroupCapacityOptions));

describe('PercentOrCount checks its argument', () => {
  it.each([
    ['percent', 101, 'PercentOrCount.percent(percent) (101) must be an integer from 0 to 100'],
    ['percent', -1, 'PercentOrCount.percent(percent) (-1) must be an integer from 0 to 100'],
    ['percent', 12.5, 'PercentOrCount.percent(percent) (12.5) must be an integer from 0 to 100'],
    ['count', 1001, 'PercentOrCount.count(count) (1001) must be an integer from 0 to 1000'],
    ['count', 1.5, 'PercentOrCount.count(count) (1.5) must be an integer from 0 to 1000'],
  ] as const)('PercentOrCount.%s(%s)', (factory, n, expected) => {
    const e = orchestrationErrorFrom(() => PercentOrCount[factory](n));
    expect(e.path).toBe('');
    expect(e.prop).toBe(`PercentOrCount.${factory}(${factory})`);
    expect(e.value).toBe(n);
    expect(e.message).toBe(expected);
  });

  it('NaN and a string (plain JavaScript)', () => {
    expect(orchestrationErrorFrom(() => PercentOrCount.count(Number.NaN)).message).toBe('PercentOrCount.count(count) (NaN) takes a number from 0 to 1000');
    expect(orchestrationErrorFrom(() => PercentOrCount.percent('25%' as never)).message).toBe('PercentOrCount.percent(percent) ("25%") takes a number from 0 to 100');
  });

  it('keeps what it was made with', () => {
    expect(PercentOrCount.percent(25)).toMatchObject({ amount: 25, isPercent: true });
    expect(PercentOrCount.count(3)).toMatchObject({ amount: 3, isPercent: false });
    expect(String(PercentOrCount.percent(25))).toBe('PercentOrCount.percent(25)');
  });
});

describe('PercentOrCount where the chart expects one', () => {
  it('an object literal shaped like one (plain JavaScript): our error with the service path and the prop', () => {
    const e = serviceError({ chart: { maxUnavailable: { amount: 1, isPercent: false } } });
    expect(e.path).toBe('Bad/Service');
    expect(e.prop).toBe('chart.maxUnavailable');
    expect(e.message).toBe('Bad/Service: chart.maxUnavailable ({"amount":1,"isPercent":false}) must be made with PercentOrCount.percent() or PercentOrCount.count(), for example PercentOrCount.percent(25)');
  });

  it('a plain number on AppChart itself names the chart\'s prop', () => {
    expect(chartError({ maxSurge: 3 }).message).toBe('app: maxSurge (3) must be made with PercentOrCount.percent() or PercentOrCount.count(), for example PercentOrCount.percent(25)');
  });

  it('a percentage contradicting the shared percentage', () => {
    expect(serviceError({ app: { ...app, rollout: { maxUnavailablePercent: 0 } }, chart: { maxUnavailable: PercentOrCount.percent(25) } }).message).toBe(
      'Bad/Service: chart.maxUnavailable and app.rollout.maxUnavailablePercent ({"chart.maxUnavailable":"25%","app.rollout.maxUnavailablePercent":0}) disagree (0% of 3 replicas is 0): set only one',
    );
  });
});

describe('ZoneSpread and ImagePullPolicy (enums with Kubernetes\' values)', () => {
  it('a number where an enum member is expected', () => {
    expect(serviceError({ chart: { zoneSpread: 1 } }).message).toBe('Bad/Service: chart.zoneSpread (1) must be one of ZoneSpread.SCHEDULE_ANYWAY ("ScheduleAnyway"), ZoneSpread.DO_NOT_SCHEDULE ("DoNotSchedule")');
    expect(chartError({ imagePullPolicy: 'IF_NOT_PRESENT' }).message).toBe(
      'app: imagePullPolicy ("IF_NOT_PRESENT") must be one of ImagePullPolicy.ALWAYS ("Always"), ImagePullPolicy.IF_NOT_PRESENT ("IfNotPresent"), ImagePullPolicy.NEVER ("Never")',
    );
  });

  it('the members are the values Kubernetes takes', () => {
    expect(ZoneSpread.DO_NOT_SCHEDULE).toBe('DoNotSchedule');
    expect(ImagePullPolicy.IF_NOT_PRESENT).toBe('IfNotPresent');
  });
});

describe('NodeCapacity.nodegroup checks its options', () => {
  it('an unknown option (a typo)', () => {
    const e = nodegroupError({ minnodes: 2 });
    expect(e.path).toBe('');
    expect(e.prop).toBe('minnodes');
    expect(e.message).toBe('minnodes (2) is not a known prop: did you mean minNodes? known props are minNodes, maxNodes, instanceTypes, nodeOs, rootVolumeSize, podImdsAccess, detailedMonitoring');
  });

  it('the 0.x nodeDiskSize', () => {
    expect(nodegroupError({ nodeDiskSize: 40 }).message).toBe('nodeDiskSize (40) is now rootVolumeSize, a Size: rootVolumeSize: Size.gibibytes(...)');
  });

  it('options that are not an object', () => {
    expect(nodegroupError('big' as never).message).toBe('NodeCapacity.nodegroup() ("big") takes an object of options, for example { minNodes: 3, maxNodes: 10 }');
    expect(nodegroupError(null as never).message).toBe('NodeCapacity.nodegroup() (null) takes an object of options, for example { minNodes: 3, maxNodes: 10 }');
  });

  it('minNodes of 0, maxNodes above 100, a string', () => {
    expect(nodegroupError({ minNodes: 0 }).message).toBe('minNodes (0) must be an integer from 1 to 100');
    expect(nodegroupError({ maxNodes: 101 }).message).toBe('maxNodes (101) must be an integer from 1 to 100');
    expect(nodegroupError({ maxNodes: '4' }).message).toBe('maxNodes ("4") must be a number');
  });

  it('minNodes above the default maxNodes', () => {
    expect(nodegroupError({ minNodes: 12 }).message).toBe('minNodes (12) must not exceed maxNodes (10)');
  });

  it('a node OS that is not a NodeOs (the wrong case, a string from plain JavaScript)', () => {
    expect(nodegroupError({ nodeOs: 'AL2' }).message).toBe('nodeOs ("AL2") must be one of NodeOs.AL2023 ("al2023"), NodeOs.BOTTLEROCKET ("bottlerocket")');
  });

  it('a root volume size that is not whole GiB, too small, or not a Size', () => {
    expect(nodegroupError({ rootVolumeSize: Size.mebibytes(1536) }).message).toMatch(/^rootVolumeSize \(Size\.mebibytes\(1536\)\) must be a whole number of GiB from 8 to 16384 \(EBS volume sizes count GiB\)$/);
    expect(nodegroupError({ rootVolumeSize: Size.gibibytes(4) }).message).toMatch(/^rootVolumeSize \(Size\.gibibytes\(4\)\) must be a whole number of GiB from 8 to 16384 \(EBS volume sizes count GiB\)$/);
    expect(nodegroupError({ rootVolumeSize: 20 }).message).toBe('rootVolumeSize (20) must be a Size in whole GiB from 8 to 16384, for example Size.gibibytes(20)');
  });

  it('podImdsAccess that is not a boolean', () => {
    expect(nodegroupError({ podImdsAccess: 'yes' }).message).toBe('podImdsAccess ("yes") must be a boolean');
  });

  it('makes a copy: changing the options object afterwards changes nothing', () => {
    const options = { minNodes: 2 };
    const capacity = NodeCapacity.nodegroup(options);
    options.minNodes = 50;
    expect(capacity.nodegroupOptions).toEqual({ minNodes: 2 });
  });

  it('NodeOs has the two supported systems', () => {
    expect(Object.keys(NodeOs)).toEqual(['AL2023', 'BOTTLEROCKET']);
  });
});

describe('NodeCapacity where a cluster expects one', () => {
  it('an object literal (plain JavaScript) on AppCluster', () => {
    const e = clusterError({ capacity: { minNodes: 3 } });
    expect(e.path).toBe('Bad/Cluster');
    expect(e.prop).toBe('capacity');
    expect(e.message).toBe('Bad/Cluster: capacity ({"minNodes":3}) must be made with NodeCapacity.nodegroup() or NodeCapacity.autoMode()');
  });

  it('the 0.x string on ContainerService, named as the caller wrote it', () => {
    expect(serviceError({ clusterProps: { capacity: 'auto-mode' } }).message).toBe('Bad/Service: clusterProps.capacity ("auto-mode") must be made with NodeCapacity.nodegroup() or NodeCapacity.autoMode()');
  });

  it('a node group whose options were changed after the factory checked them: checked again, with the full prop', () => {
    const capacity = NodeCapacity.nodegroup({ minNodes: 2 });
    (capacity.nodegroupOptions as { minNodes: number }).minNodes = 0;
    expect(serviceError({ clusterProps: { capacity } }).message).toBe('Bad/Service: clusterProps.capacity.minNodes (0) must be an integer from 1 to 100');
  });

  it('a 0.x node-group prop next to capacity', () => {
    expect(clusterError({ capacity: NodeCapacity.autoMode(), podImdsAccess: true }).message).toBe(
      'Bad/Cluster: podImdsAccess (true) is no longer a prop: pass capacity: NodeCapacity.nodegroup({ podImdsAccess: ... })',
    );
  });
});
