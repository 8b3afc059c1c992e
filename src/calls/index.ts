// The calls module's public surface: the SessionHandler for routeSessions({ calls }) and its per-call controller.

export * from './call-handler';
export * from './call-controller';
export * from './call-policy-input';
export * from './dial-string';
