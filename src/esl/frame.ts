// One ESL message as framed on the wire, and the typed event decoded from it.

export interface EslFrame {
  /** Outer header block, values URL-decoded where they were encoded. Names verbatim. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The Content-Length bytes that followed the header block, if any. An event frame's
   * (text/event-json, text/event-plain) may be a view of the chunk it arrived in: decode it,
   * don't keep it. Every other frame's is its own copy.
   */
  readonly body?: Buffer;
}

export interface EslEvent {
  /** `Event-Name` verbatim (e.g. 'CHANNEL_ANSWER'); for CUSTOM events see `Event-Subclass`. */
  readonly name: string;
  /** Every event header, values URL-decoded, `variable_*` included. */
  readonly headers: Readonly<Record<string, string>>;
  /** The event's own body (e.g. a BACKGROUND_JOB result), if it has one. */
  readonly body?: string;
  /** 'plain' or 'json': how it was delivered. */
  readonly format: 'plain' | 'json';
}

export function header(frame: { headers: Readonly<Record<string, string>> }, name: string): string | undefined {
  return frame.headers[name];
}
