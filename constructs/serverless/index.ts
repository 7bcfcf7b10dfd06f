// The serverless style's public API, listed by name (jsii and readers see exactly what is exported).
export { FunctionService, type FunctionServiceProps } from './function-service';
export { TrafficShift } from './traffic-shift';
// The outputs cdk-orchestrate reads, for a service in your own stack (shared by every style).
export { OrchestrationOutputs, type OrchestrationOutputsProps } from '../shared/orchestration-outputs';
