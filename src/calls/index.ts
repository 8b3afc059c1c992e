// The calls module's public surface: the SessionHandler for routeSessions({ calls }), its per-call controller, the controllers table (RecordingControl) and adoption.

export * from './call-handler';
export * from './call-controller';
export * from './call-policy-input';
export * from './dial-string';
export * from './call-controllers';
export * from './call-adoption';
export * from './adopted-call';
export * from './inbound-digits';
export * from './call-clock';
export * from './call-agent-snapshot';
