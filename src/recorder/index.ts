// The recorder's public surface: the one module that turns recording decisions into ESL.

export * from './recorder';
export * from './recording-file-check';
