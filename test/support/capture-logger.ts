// A real winston logger whose lines are kept in memory, so tests can assert what a person would read.

import Transport from 'winston-transport';
import winston from 'winston';
import type { Logger } from '../../src/logger';

export interface CapturedLine {
  readonly level: string;
  readonly message: string;
  readonly meta: Record<string, unknown>;
}

export interface CapturedLogger {
  readonly logger: Logger;
  /** Structured entries, in order. */
  readonly entries: CapturedLine[];
  /** The same as `level message {meta}` strings: what could reach a log file (secrets checks). */
  readonly lines: string[];
  text(): string;
  /** Resolves with the first line (already written or still to come) that matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

export function captureLogger(): CapturedLogger {
  const entries: CapturedLine[] = [];
  const lines: string[] = [];
  let waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  class MemoryTransport extends Transport {
    override log(info: Record<string, unknown>, next: () => void): void {
      const { level, message, ...meta } = info;
      const entry = { level: String(level), message: String(message), meta };
      const line = `${entry.level} ${entry.message} ${JSON.stringify(meta)}`;
      entries.push(entry);
      lines.push(line);
      waiters = waiters.filter((w) => !(w.pattern.test(line) && (w.resolve(line), true)));
      next();
    }
  }
  const waitFor = (pattern: RegExp, timeoutMs = 5000): Promise<string> => {
    const found = lines.find((l) => pattern.test(l));
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = {
        pattern,
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        waiters = waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for a log line matching ${pattern}`));
      }, timeoutMs);
      waiters.push(waiter);
    });
  };
  const logger = winston.createLogger({ level: 'debug', transports: [new MemoryTransport({ level: 'debug' })] });
  return { logger, entries, lines, waitFor, text: () => entries.map((l) => `${l.level} ${l.message}`).join('\n') };
}
