// The ops layer: every op is shape checks + one kernel call + its gradient, written in ops.
export * from './creation.js';
export * from './elementwise.js';
export * from './reduce.js';
export * from './movement.js';
export * from './matmul.js';
export * from './conv.js';
export * from './pool.js';
export * from './nn.js';
export * from './norms.js';
