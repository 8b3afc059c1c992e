// One simulated call as a person reads it: what was asked, what was decided and why, what was recorded.

import type { EvidenceRecord, RecordingRecord } from '../store';

export interface CallReportInput {
  readonly label: string;
  readonly callId: string;
  readonly dialled: string;
  readonly caller: string;
  readonly group: string | undefined;
  readonly mode: string | undefined;
  readonly actions: ReadonlyArray<{ readonly atMs: number; readonly text: string }>;
  readonly evidence: readonly EvidenceRecord[];
  readonly recordings: readonly RecordingRecord[];
  readonly verifies: boolean;
}

type Detail = Record<string, unknown>;

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
const file = (p: unknown): string => String(p ?? '?').replace(/^.*\//, '');
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

const CONSENT_OUTCOME: Record<string, string> = {
  given: 'consent given',
  refused: 'objected',
  timeout: 'no key before the timeout',
  invalid: 'only other keys',
};

/** The trail: one line per thing that happened to the caller or the recording, in order. */
function trail(evidence: readonly EvidenceRecord[]): string[] {
  const out: string[] = [];
  let lastDecision = '';
  for (const e of evidence) {
    const d = (e.detail && typeof e.detail === 'object' ? e.detail : {}) as Detail;
    switch (e.kind) {
      case 'agent_facts':
        out.push(`agent:    ${str(d.extension) ?? '?'}, recording consent on file: ${str(d.consentOnFile) ?? '?'}${d.callNumber != null ? `, the agent's call number ${str(d.callNumber)}` : ''}`);
        break;
      case 'prompt_played':
        if (d.prompt === 'consent-menu') out.push(`asked:    ${file(d.file)} (up to ${str(d.tries) ?? '?'} times, ${d.timeoutMs !== undefined ? secs(Number(d.timeoutMs)) : '?'} for a key)`);
        else out.push(`heard:    ${file(d.file)}${d.prompt ? ` (${str(d.prompt)})` : ''}`);
        break;
      case 'consent':
        out.push(`answer:   ${d.digit ? `pressed ${str(d.digit)}` : 'no key'} → ${CONSENT_OUTCOME[String(d.outcome)] ?? str(d.outcome) ?? '?'}`);
        break;
      case 'digit_pressed':
        // The menu's own key is in the consent row; keys pressed later are worth a line.
        if (!evidence.some((x) => x.kind === 'consent' && x.seq === e.seq + 1)) out.push(`pressed:  ${str(d.role) ?? '?'} ${str(d.digit) ?? '?'}`);
        break;
      case 'routed':
        out.push(`routed:   ${str(d.target) ?? '?'} (${str(d.via) ?? '?'})`);
        break;
      case 'decision': {
        const reason = str(d.reason) ?? JSON.stringify(d);
        if (reason.startsWith('waiting:') || reason === lastDecision) break;
        lastDecision = reason;
        out.push(`decided:  ${d.record === true ? 'RECORD' : 'no recording'} — ${reason}`);
        if (Array.isArray(d.ruleTrail)) out.push(`   rules:  ${d.ruleTrail.join(' → ')}`);
        break;
      }
      case 'command_sent': {
        const wire = str(d.wire) ?? '';
        if (/^uuid_(record|broadcast)/.test(wire)) out.push(`sent:     ${wire.replace(/ \S*\/(\S+)$/, ' …/$1')}`);
        break;
      }
      case 'fs_confirmed':
        if (d.event === 'RECORD_START' || d.event === 'RECORD_STOP') out.push(`FreeSWITCH: ${str(d.event)} ${file(d.path)}`);
        break;
      default:
        break;
    }
  }
  return out;
}

/** Lines for one call; `timeline` adds the scripted actions and every evidence row. */
export function formatCallReport(r: CallReportInput, timeline: boolean): string[] {
  const out: string[] = [];
  const where = r.group ? `group ${r.group}${r.mode ? ` (${r.mode})` : ''}` : 'no group: not handed to callwarden';
  out.push(`■ ${r.label}: caller ${r.caller} dials ${r.dialled} → ${where}; call ${r.callId}`);
  if (timeline) {
    out.push('  script:');
    for (const a of r.actions) out.push(`    ${Number.isNaN(a.atMs) ? '    end' : secs(a.atMs).padStart(7)}  ${a.text}`);
  }
  if (r.evidence.length === 0) {
    out.push('  callwarden kept no evidence for this call: it did not handle it, so it asked nothing and recorded nothing');
  } else {
    for (const line of trail(r.evidence)) out.push(`  ${line}`);
  }
  if (r.recordings.length === 0) out.push('  recorded: nothing');
  for (const f of r.recordings) {
    const length = f.durationMs !== null ? secs(f.durationMs) : '?';
    const channels = f.channels === 'both' ? 'both parties in stereo' : `${f.channels} only`;
    out.push(`  recorded: segment ${f.segment}, ${channels}, ${f.format} ${file(f.filePath)}, ${length}, ${f.bytes ?? '?'} bytes — ${f.status}${f.sha256 ? `, sha256 ${f.sha256.slice(0, 12)}…` : ''}`);
  }
  if (r.evidence.length > 0) out.push(`  evidence: ${r.evidence.length} rows, chain ${r.verifies ? 'verifies' : 'BROKEN'}${timeline ? ':' : ' (--timeline shows every row)'}`);
  if (timeline) for (const e of r.evidence) out.push(`    ${String(e.seq).padStart(3)} ${e.kind.padEnd(18)} ${JSON.stringify(e.detail)}`);
  return out;
}
