// The winston root logger; modules take `logger.child({ module })`, calls add `callId`.

import winston from 'winston';

const SECRET_KEYS = /pass(word)?|secret|token|authorization|dbUrl|url/i;

/** Masks anything that looks like a secret before a line is written (`auth X`, passwords in URLs). */
const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    const value = (info as Record<string, unknown>)[key];
    if (typeof value === 'string') {
      let v = value.replace(/\bauth \S+/g, 'auth ********').replace(/(\/\/[^:/@\s]+:)[^@\s]+@/g, '$1********@');
      if (key !== 'message' && key !== 'module' && SECRET_KEYS.test(key)) v = '********';
      (info as Record<string, unknown>)[key] = v;
    }
  }
  return info;
});

const level = process.env.CALLWARDEN_LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'warn' : 'info');

export const logger = winston.createLogger({
  level,
  format: winston.format.combine(
    redact(),
    winston.format.timestamp(),
    process.env.CALLWARDEN_LOG_FORMAT === 'json'
      ? winston.format.json()
      : winston.format.printf(({ timestamp, level: lvl, message, module, callId, ...rest }) => {
          const ctx = [module, callId].filter(Boolean).join(' ');
          const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
          return `${timestamp} ${lvl.padEnd(5)} ${ctx ? `[${ctx}] ` : ''}${message}${extra}`;
        }),
  ),
  transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
});

export type Logger = winston.Logger;

/** Applies the configured level (the format is chosen by CALLWARDEN_LOG_FORMAT at start). */
export function configureLogger(options: { level: string; format: string }): void {
  if (!process.env.CALLWARDEN_LOG_LEVEL) logger.level = options.level;
  if (options.format === 'json' && process.env.CALLWARDEN_LOG_FORMAT !== 'json') {
    logger.format = winston.format.combine(redact(), winston.format.timestamp(), winston.format.json());
  }
}
