// Public surface of the HTTP server for people: the server, its users, the access log and the config section.

export * from './access-log';
export * from './agent-consents';
export * from './live-operations';
export * from './password-hash';
export * from './user-directory';
export * from './web-config';
export * from './web-roles';
export * from './web-server';
export * from './start-web';
