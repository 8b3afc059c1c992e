// Public surface of coaching (*98*<ext>); live operations over HTTP live in src/web/.

export * from './authorise-coaching';
export * from './coaching';
export * from './coaching-commands';
export * from './coaching-config';
export * from './coaching-handler';
export * from './coaching-keys';
export * from './monitor-modes';
export * from './monitor-tracker';
export * from './recording-control';
export * from './supervisors-for-policy';
