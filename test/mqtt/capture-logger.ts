// A winston logger that keeps every line in memory, to assert what the MQTT layer logs (and never logs).

import { Writable } from 'node:stream';
import winston from 'winston';
import type { Logger } from '../../src/logger';

export interface CapturedLogger {
  logger: Logger;
  lines: string[];
  /** Resolves with the first line (already written or still to come) that matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  let waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString('utf8').trimEnd();
      lines.push(line);
      waiters = waiters.filter((w) => !(w.pattern.test(line) && (w.resolve(line), true)));
      done();
    },
  });
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
  const logger = winston.createLogger({
    level: 'debug',
    format: winston.format.printf(({ level, message, ...rest }) => `${level} ${String(message)} ${JSON.stringify(rest)}`),
    transports: [new winston.transports.Stream({ stream })],
  });
  return { logger, lines, waitFor };
}
