// Public surface of coaching (*98*<ext>) and live operations.

export * from './authorise-coaching';
export * from './coaching';
export * from './coaching-commands';
export * from './coaching-config';
export * from './coaching-handler';
export * from './coaching-keys';
export * from './live-ops-auth';
export * from './live-ops-commands';
export * from './live-ops-server';
export * from './monitor-modes';
export * from './monitor-tracker';
export * from './recording-control';
export * from './supervisors-for-policy';
