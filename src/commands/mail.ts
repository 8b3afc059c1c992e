// `callwarden mail [--failed|--pending|--sent] [--retry-failed] [--json]`: the durable mail queue, what failed and why; failed mail put back in the queue.

import type { CallwardenConfig } from '../config';
import type { MailStatus } from '../lifecycle/mail-queue';
import { UsageError, type CliCommand, type CommandArgs, type Print } from './command';
import { openRepository } from './open-repository';

export interface MailOptions {
  failed?: boolean;
  pending?: boolean;
  sent?: boolean;
  retryFailed?: boolean;
  json?: boolean;
}

export const mailCommand: CliCommand<MailOptions> = {
  name: 'mail',
  summary: 'the mail queue of finished recordings: pending, sent, failed; put failed mail back in the queue',
  options: [
    { flags: '--failed', description: 'only mail given up on' },
    { flags: '--pending', description: 'only mail still to be sent' },
    { flags: '--sent', description: 'only delivered mail' },
    { flags: '--retry-failed', description: 'queue every failed mail again' },
    { flags: '--json', description: 'one JSON object per mail and line, then the counts' },
  ],
  exitCodes: { 1: 'with --failed: there is failed mail' },
  details: 'Never creates a database: says which file it looked for when there is none.',
  run: (config, args, out) => mail(config, args, out),
};

/** `now` is the test's clock. */
export async function mail(config: CallwardenConfig, { options }: CommandArgs<MailOptions>, out: Print, now: () => Date = () => new Date()): Promise<number> {
  const { listMail, mailCounts, retryFailedMail } = await import('../lifecycle/mail-queue');
  const filters = [options.failed, options.pending, options.sent].filter(Boolean).length;
  if (filters > 1) throw new UsageError('mail: give at most one of --failed, --pending, --sent');
  if (options.retryFailed && (filters > 0 || options.json)) throw new UsageError('mail: --retry-failed takes no other option');
  const db = await openRepository(config, options.retryFailed ? { mustExist: true } : { readOnly: true });
  try {
    if (options.retryFailed) {
      out(`${await retryFailedMail(db.repository, now())} failed mail(s) queued again`);
      return 0;
    }
    const status: MailStatus | undefined = options.failed ? 'failed' : options.pending ? 'pending' : options.sent ? 'sent' : undefined;
    const counts = await mailCounts(db.repository);
    const rows = await listMail(db.repository, status);
    if (options.json) {
      for (const m of rows) out(JSON.stringify(m));
      out(JSON.stringify({ ...counts, mailEnabled: config.lifecycle.mail.enabled }));
    } else {
      out(`mail queue: ${counts.pending} pending, ${counts.sent} sent, ${counts.failed} failed${config.lifecycle.mail.enabled ? '' : ' (mail is disabled: lifecycle.mail.enabled)'}`);
      for (const m of rows) {
        const when = m.status === 'sent' ? `sent ${m.sentAt}` : m.status === 'pending' ? `next try ${m.nextAttemptAt}` : 'given up';
        out(`${m.status.padEnd(7)}  ${m.id}  tries ${m.attempts}  ${when}${m.lastError ? `  last error: ${m.lastError}` : ''}`);
      }
    }
    return status === 'failed' && counts.failed > 0 ? 1 : 0;
  } finally {
    await db.close();
  }
}
