// Public entry point of the FreeSWITCH simulator (what the daemon's tests and `make demo` import).

export { Simulator, defaultDialplan, handBackSteps, CAPTURED_AGENT, type CallHandle, type Leg, type SimulatorOptions } from './simulator';
export { parseScenario, runScenario, formatTimeline, ScenarioError, type ScenarioStep, type Timeline, type TimelineEntry } from './scenario';
export type { ReceivedCommand } from './connection';
export type { SimEvent } from './events';
export type { Dialplan, DialplanStep, Endpoint } from './core';
export type { Session } from './session';
export { VirtualClock } from './clock';
export { fsUrlEncode } from './wire';
