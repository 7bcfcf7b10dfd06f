// The serverless style's public API, listed by name (jsii and readers see exactly what is exported).
export { FunctionService, type FunctionServiceProps } from './function-service';
export { TrafficShift } from './traffic-shift';
