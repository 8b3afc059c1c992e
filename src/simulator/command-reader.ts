// Splits the client's byte stream into ESL commands: a line, headers, blank line, optional body.

export interface ClientCommand {
  /** The first line, e.g. "api status" or "sendmsg <uuid>". */
  readonly line: string;
  /** Header lines after the first (sendmsg, bgapi Job-UUID), names as sent. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export class CommandReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): ClientCommand[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: ClientCommand[] = [];
    for (;;) {
      // Blank lines between commands carry nothing (clients often send "\n\n\n").
      let start = 0;
      while (start < this.buf.length && (this.buf[start] === 0x0a || this.buf[start] === 0x0d)) start++;
      if (start > 0) this.buf = this.buf.subarray(start);
      const end = this.buf.indexOf('\n\n');
      if (end === -1) break;
      const lines = this.buf.toString('utf8', 0, end).split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
      const headers: Record<string, string> = Object.create(null);
      for (const l of lines.slice(1)) {
        const colon = l.indexOf(':');
        if (colon === -1) continue;
        headers[l.slice(0, colon).trim()] = l.slice(colon + 1).trim();
      }
      const lengthKey = Object.keys(headers).find((k) => k.toLowerCase() === 'content-length');
      const length = lengthKey !== undefined ? Number(headers[lengthKey]) : 0;
      if (this.buf.length < end + 2 + length) break;
      const body = length > 0 ? this.buf.toString('utf8', end + 2, end + 2 + length) : undefined;
      this.buf = this.buf.subarray(end + 2 + length);
      const line = lines[0] ?? '';
      out.push(body === undefined ? { line, headers } : { line, headers, body });
    }
    return out;
  }
}
