// A real winston logger whose lines are kept in memory, so tests can assert what a person would read.

import Transport from 'winston-transport';
import winston from 'winston';
import type { Logger } from '../../src/logger';

export interface CapturedLine {
  readonly level: string;
  readonly message: string;
  readonly meta: Record<string, unknown>;
}

class MemoryTransport extends Transport {
  constructor(private readonly lines: CapturedLine[]) {
    super({ level: 'debug' });
  }
  override log(info: Record<string, unknown>, next: () => void): void {
    const { level, message, ...meta } = info;
    this.lines.push({ level: String(level), message: String(message), meta });
    next();
  }
}

export function captureLogger(): { logger: Logger; lines: CapturedLine[]; text(): string } {
  const lines: CapturedLine[] = [];
  const logger = winston.createLogger({ level: 'debug', transports: [new MemoryTransport(lines)] });
  return { logger, lines, text: () => lines.map((l) => `${l.level} ${l.message}`).join('\n') };
}
