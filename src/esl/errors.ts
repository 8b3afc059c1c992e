// Typed errors of the ESL layer: each has a literal `name` so callers can switch on it.

import type { EslFrame } from './frame';

export class EslError extends Error {
  override name: string = 'EslError';
  /**
   * Set by FrameParser.push on a framing error: the frames that chunk completed before the
   * error. They are good frames, and handing them over makes the outcome independent of how
   * the bytes were split into chunks.
   */
  completedFrames?: readonly EslFrame[];
}

/** The byte stream does not follow the ESL framing (missing Content-Type, bad length, oversize). */
export class EslProtocolError extends EslError {
  override name = 'EslProtocolError' as const;
}

/**
 * A block past the parser's limits (header bytes, header lines): a desync or an attack; the
 * connection is dropped (outer block) or the event skipped (inner block of an event body).
 */
export class EslLimitError extends EslError {
  override name = 'EslLimitError' as const;
  constructor(
    readonly limit: 'header-bytes' | 'header-count',
    readonly max: number,
    message: string,
  ) {
    super(message);
  }
}

/** FreeSWITCH refused our password (`-ERR invalid` to `auth`). */
export class EslAuthError extends EslError {
  override name = 'EslAuthError' as const;
}

/** The TCP connection could not be made or was lost. Pending commands are rejected with this. */
export class EslDisconnectedError extends EslError {
  override name = 'EslDisconnectedError' as const;
}

/**
 * Makes an error without capturing a stack: for an expected end (a socket closing, the commands
 * it took with it), where the stack would only show the socket's close path, and a burst of
 * hangups closes a thousand sockets at once.
 */
export function withoutStack<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** A command got no reply (or no completion event) in time. */
export class EslTimeoutError extends EslError {
  override name = 'EslTimeoutError' as const;
}

/** FreeSWITCH answered `-ERR …` (command/reply Reply-Text or api/response body). */
export class EslCommandError extends EslError {
  override name = 'EslCommandError' as const;
  constructor(readonly command: string, readonly reply: string) {
    super(`FreeSWITCH refused "${command}": ${reply}`);
  }
}

/** A command argument would break the framing (newline) or is otherwise unsafe to send. */
export class EslArgumentError extends EslError {
  override name = 'EslArgumentError' as const;
}

/** A command for a channel whose FreeSWITCH node is not known (or not one of the daemon's): it is never sent to a guessed node. */
export class EslUnknownNodeError extends EslError {
  override name = 'EslUnknownNodeError' as const;
}
