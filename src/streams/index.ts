// Public surface of the per-call stream layer.

export * from './node-event';
export * from './freeswitch-fields';
export { MIN_MICROS, MAX_MICROS, isSaneMicros, microsToDate, microsToIso } from './micros';
export * from './channel-row';
export * from './dedup-events';
export * from './tombstones';
export * from './stream-gauges';
export * from './channel-message';
export * from './channel-messages';
export * from './call-state';
export * from './reduce-call';
export * from './seed-call';
export * from './call-table';
export * from './call-registry';
