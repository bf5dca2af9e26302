export { createCamera, type Camera } from './camera.ts';
export { FAULT_KINDS, type BadAnswer, type FaultKind, type FaultPlan } from './faults.ts';
export type { SimFrame } from './frame-schedule.ts';
export {
  DEFAULT_SIMULATOR_OPTIONS,
  resolveSimulatorOptions,
  type FaultLevel,
  type FrameSize,
  type FrameTiming,
  type ResolvedSimulatorOptions,
  type SimulatorOptions,
} from './options.ts';
export { startSimulator, type Simulator, type StormOptions } from './server.ts';
export type { SimulatorStats } from './stats.ts';
