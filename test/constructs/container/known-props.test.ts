// The lists of known props (for callers without a type checker) match the props interfaces: checked
// by the compiler (`tsc --noEmit` is part of `npm test`) and at run time.
import { describe, expect, it } from 'vitest';
import type { AppChartOptions, AppChartProps, AppClusterProps, AppProbeOptions, AppResources, ContainerRegistryProps, ContainerServiceProps, NodegroupCapacityOptions } from '../../../constructs/container';
import {
  APP_CHART_OPTIONS,
  APP_CHART_PROPS,
  APP_CLUSTER_PROPS,
  APP_PROBE_OPTIONS,
  APP_RESOURCES,
  CONTAINER_REGISTRY_PROPS,
  CONTAINER_SERVICE_PROPS,
  NODEGROUP_CAPACITY_OPTIONS,
} from '../../../constructs/container/known-props';

/** `true` only when A and B are the same type (here: the same set of keys). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// A prop added to an interface and not to its list, or listed and not in the interface, fails to compile here.
const SAME_KEYS: Record<string, true> = {
  ContainerServiceProps: true satisfies Equals<keyof typeof CONTAINER_SERVICE_PROPS, keyof ContainerServiceProps>,
  AppChartOptions: true satisfies Equals<keyof typeof APP_CHART_OPTIONS, keyof AppChartOptions>,
  AppChartProps: true satisfies Equals<keyof typeof APP_CHART_PROPS, keyof AppChartProps>,
  AppProbeOptions: true satisfies Equals<keyof typeof APP_PROBE_OPTIONS, keyof AppProbeOptions>,
  AppResources: true satisfies Equals<keyof typeof APP_RESOURCES, keyof AppResources>,
  AppClusterProps: true satisfies Equals<keyof typeof APP_CLUSTER_PROPS, keyof AppClusterProps>,
  ContainerRegistryProps: true satisfies Equals<keyof typeof CONTAINER_REGISTRY_PROPS, keyof ContainerRegistryProps>,
  NodegroupCapacityOptions: true satisfies Equals<keyof typeof NODEGROUP_CAPACITY_OPTIONS, keyof NodegroupCapacityOptions>,
};

describe('known props of the container style', () => {
  it('each list has exactly the keys of its interface (compile-time check above)', () => {
    expect(Object.keys(SAME_KEYS)).toHaveLength(8);
  });

  it('the chart props are the chart options plus what only a direct caller passes', () => {
    expect(Object.keys(APP_CHART_PROPS).sort()).toEqual([...Object.keys(APP_CHART_OPTIONS), 'app', 'image', 'appVersion', 'awsRegion', 'serviceAccountAnnotations', 'readinessGates', 'namespaceLabels'].sort());
  });
});
