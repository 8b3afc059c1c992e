// Builds the mail for one recording: the file attached up to a size limit, else a link to the back office; no caller number, no agent name.

import { basename } from 'node:path';

export interface MailRecording {
  readonly id: string;
  readonly callId: string;
  readonly group: string | null;
  readonly startedAt: string | null;
  readonly durationMs: number | null;
  readonly format: string;
  readonly bytes: number | null;
  readonly filePath: string;
}

export interface MailMessage {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  /** The file to attach (local path), or undefined when only the link is sent. */
  readonly attachment?: { readonly filename: string; readonly path: string };
  readonly attached: boolean;
}

export function backOfficeLink(baseUrl: string, recordingId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/recordings/${encodeURIComponent(recordingId)}`;
}

function duration(ms: number | null): string {
  if (ms === null) return 'unknown length';
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/**
 * Data minimisation: the mail says which call (its id, group, start, length) and carries the
 * recording or a link that needs a back-office login; the parties' numbers and names stay out
 * (a mailbox is kept longer and read by more people than the recording store).
 */
export function recordingMail(rec: MailRecording, localPath: string, o: { from: string; to: readonly string[]; attachMaxBytes: number; backOfficeUrl: string }): MailMessage {
  const attach = rec.bytes !== null && rec.bytes <= o.attachMaxBytes;
  const link = backOfficeLink(o.backOfficeUrl, rec.id);
  const lines = [
    `A call recording of group ${rec.group ?? '-'} is ready.`,
    '',
    `Call:     ${rec.callId}`,
    `Started:  ${rec.startedAt ?? 'unknown'}`,
    `Length:   ${duration(rec.durationMs)}`,
    '',
    attach ? `The recording is attached (${rec.format}, ${Math.ceil((rec.bytes ?? 0) / 1024)} KB).` : `The recording is too large to attach; listen to it in the back office (login required):`,
    ...(attach ? [`It is also in the back office: ${link}`] : [link]),
    '',
    'This mail contains personal data. Do not forward it; delete it when it is no longer needed.',
  ];
  return {
    from: o.from,
    to: o.to,
    subject: `Call recording ${rec.startedAt?.slice(0, 16).replace('T', ' ') ?? ''} (${rec.group ?? 'callwarden'})`.replace(/[\r\n]/g, ' '),
    text: lines.join('\n'),
    ...(attach ? { attachment: { filename: `${rec.callId.replace(/[^A-Za-z0-9._-]/g, '_')}-${basename(rec.filePath)}`, path: localPath } } : {}),
    attached: attach,
  };
}
