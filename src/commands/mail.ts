// `callwarden mail [--failed|--pending] [--retry-failed]`: the durable mail queue, what failed and why; failed mail put back in the queue.

import type { CallwardenConfig } from '../config';
import { listMail, mailCounts, retryFailedMail, type MailStatus } from '../lifecycle/mail-queue';
import { UsageError } from './calls';
import { openRepository } from './open-repository';

const FLAGS = ['--failed', '--pending', '--sent', '--retry-failed'];

export async function mailCommand(config: CallwardenConfig, args: string[], out: (line: string) => void, now: () => Date = () => new Date()): Promise<number> {
  const unknown = args.filter((a) => !FLAGS.includes(a));
  if (unknown.length > 0) throw new UsageError(`mail: unknown argument "${unknown[0]}" (use --failed, --pending, --sent or --retry-failed)`);
  const db = await openRepository(config);
  try {
    if (args.includes('--retry-failed')) {
      out(`${await retryFailedMail(db.repository, now())} failed mail(s) queued again`);
      return 0;
    }
    const status: MailStatus | undefined = args.includes('--failed') ? 'failed' : args.includes('--pending') ? 'pending' : args.includes('--sent') ? 'sent' : undefined;
    const counts = await mailCounts(db.repository);
    out(`mail queue: ${counts.pending} pending, ${counts.sent} sent, ${counts.failed} failed${config.lifecycle.mail.enabled ? '' : ' (mail is disabled: lifecycle.mail.enabled)'}`);
    for (const m of await listMail(db.repository, status)) {
      const when = m.status === 'sent' ? `sent ${m.sentAt}` : m.status === 'pending' ? `next try ${m.nextAttemptAt}` : 'given up';
      out(`${m.status.padEnd(7)}  ${m.id}  tries ${m.attempts}  ${when}${m.lastError ? `  last error: ${m.lastError}` : ''}`);
    }
    return status === 'failed' && counts.failed > 0 ? 1 : 0;
  } finally {
    await db.close();
  }
}
