export * from './function-service';
export * from './traffic-shift';
