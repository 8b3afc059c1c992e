// Scenario scripts: a small line-based language for scripted calls, its parser and runner.

import type { SimEvent } from './events';
import type { Session } from './session';
import type { Leg, Simulator } from './simulator';

export type ScenarioStep =
  | { readonly kind: 'call'; readonly line: number; readonly label: string; readonly from: string; readonly name?: string; readonly to: string }
  | { readonly kind: 'press'; readonly line: number; readonly label: string; readonly leg: Leg; readonly digits: string }
  | { readonly kind: 'answer'; readonly line: number; readonly label: string; readonly extension?: string }
  | { readonly kind: 'reject'; readonly line: number; readonly label: string }
  | { readonly kind: 'hangup'; readonly line: number; readonly label: string; readonly leg: Leg | 'both' }
  | { readonly kind: 'hold'; readonly line: number; readonly label: string; readonly leg: Leg; readonly on: boolean }
  | { readonly kind: 'transfer'; readonly line: number; readonly label: string; readonly dest: string }
  | { readonly kind: 'expect'; readonly line: number; readonly label: string; readonly what: string }
  | { readonly kind: 'wait'; readonly line: number; readonly ms: number };

export class ScenarioError extends Error {
  override name = 'ScenarioError';
  constructor(readonly line: number, message: string) {
    super(`scenario line ${line}: ${message}`);
  }
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)$/;

function parseDuration(text: string, line: number): number {
  const m = DURATION.exec(text);
  if (m === null) throw new ScenarioError(line, `bad duration "${text}" (use e.g. 500ms, 30s, 2m)`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

/**
 * Parses a script. One step per line; `#` starts a comment. Lines:
 *   call <label>: caller <number> ["<name>"] dials <extension>
 *   <label>: caller|agent presses <digits>
 *   <label>: agent [<ext>] answers | agent rejects
 *   <label>: caller|agent hangs up | both hang up
 *   <label>: caller|agent holds | caller|agent resumes
 *   <label>: transfer to <extension>
 *   <label>: expect prompt|bridge|recording|hangup|<EVENT_NAME>
 *   wait <n>ms|s|m
 */
export function parseScenario(text: string): ScenarioStep[] {
  const steps: ScenarioStep[] = [];
  const labels = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const hash = raw.indexOf('#');
    const src = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (src === '') return;
    let m = /^wait\s+(\S+)$/.exec(src);
    if (m !== null) {
      steps.push({ kind: 'wait', line, ms: parseDuration(m[1] ?? '', line) });
      return;
    }
    m = /^call\s+([\w-]+)\s*:\s*caller\s+(\+?[\w*#]+)(?:\s+"([^"]*)")?\s+dials\s+([\w*#+]+)$/.exec(src);
    if (m !== null) {
      const label = m[1] ?? '';
      if (labels.has(label)) throw new ScenarioError(line, `call "${label}" already exists`);
      labels.add(label);
      steps.push({ kind: 'call', line, label, from: m[2] ?? '', ...(m[3] !== undefined ? { name: m[3] } : {}), to: m[4] ?? '' });
      return;
    }
    m = /^([\w-]+)\s*:\s*(.+)$/.exec(src);
    if (m === null) throw new ScenarioError(line, `cannot understand "${src}"`);
    const label = m[1] ?? '';
    const action = (m[2] ?? '').trim();
    if (!labels.has(label)) throw new ScenarioError(line, `unknown call "${label}" (start it with "call ${label}: …")`);
    let a = /^(caller|agent)\s+presses\s+([0-9*#A-D]+)$/.exec(action);
    if (a !== null) return void steps.push({ kind: 'press', line, label, leg: a[1] as Leg, digits: a[2] ?? '' });
    a = /^agent(?:\s+(\d+))?\s+answers$/.exec(action);
    if (a !== null) return void steps.push({ kind: 'answer', line, label, ...(a[1] !== undefined ? { extension: a[1] } : {}) });
    if (/^agent(\s+\d+)?\s+rejects$/.test(action)) return void steps.push({ kind: 'reject', line, label });
    a = /^(caller|agent|both)\s+hangs?\s+up$/.exec(action);
    if (a !== null) return void steps.push({ kind: 'hangup', line, label, leg: a[1] as Leg | 'both' });
    a = /^(caller|agent)\s+(holds|resumes)$/.exec(action);
    if (a !== null) return void steps.push({ kind: 'hold', line, label, leg: a[1] as Leg, on: a[2] === 'holds' });
    a = /^transfer\s+to\s+([\w*#+]+)$/.exec(action);
    if (a !== null) return void steps.push({ kind: 'transfer', line, label, dest: a[1] ?? '' });
    a = /^expect\s+(prompt|bridge|recording|hangup|[A-Z_]+)$/.exec(action);
    if (a !== null) return void steps.push({ kind: 'expect', line, label, what: a[1] ?? '' });
    throw new ScenarioError(line, `unknown action "${action}"`);
  });
  return steps;
}

export interface TimelineEntry {
  /** Virtual ms since the scenario started. */
  readonly atMs: number;
  readonly text: string;
}

export type Timeline = Map<string, TimelineEntry[]>;

const QUIET_APPS = new Set(['hash', 'export', 'set']);

function describeEvent(ev: SimEvent, leg: string): string | undefined {
  const h = (n: string): string => ev.headers.find(([k]) => k === n)?.[1] ?? '';
  switch (ev.name) {
    case 'CHANNEL_CREATE':
    case 'CHANNEL_ANSWER':
    case 'CHANNEL_BRIDGE':
    case 'CHANNEL_UNBRIDGE':
    case 'CHANNEL_HOLD':
    case 'CHANNEL_UNHOLD':
    case 'CHANNEL_DESTROY':
      return `${ev.name} (${leg})`;
    case 'CHANNEL_HANGUP':
      return `CHANNEL_HANGUP (${leg}) ${h('Hangup-Cause')}`;
    case 'DTMF':
      return `DTMF ${h('DTMF-Digit')} (${leg})`;
    case 'RECORD_START':
    case 'RECORD_STOP':
      return `${ev.name} ${h('Record-File-Path')}`;
    case 'PLAYBACK_START':
      return `PLAYBACK_START ${h('Playback-File-Path')} (${leg})`;
    case 'CHANNEL_EXECUTE':
      return QUIET_APPS.has(h('Application')) ? undefined : `app ${h('Application')} ${h('Application-Data')}`.trimEnd();
    default:
      return undefined;
  }
}

/** Runs a parsed or textual scenario against `sim`; resolves with a per-call timeline. */
export async function runScenario(sim: Simulator, script: string | ScenarioStep[]): Promise<Timeline> {
  const steps = typeof script === 'string' ? parseScenario(script) : script;
  const startUs = sim.clock.now;
  const firstEvent = sim.mark();
  const firstCommand = sim.received.length;
  const actions: Array<{ label: string; at: number; seq: number; text: string }> = [];
  const legs = new Map<string, Session>();
  for (const step of steps) {
    if (step.kind === 'wait') {
      for (const label of legs.keys()) actions.push({ label, at: sim.clock.now, seq: sim.mark() - 0.5, text: `… ${step.ms / 1000}s pass` });
      await sim.advance(step.ms);
      continue;
    }
    const note = (text: string): void => void actions.push({ label: step.label, at: sim.clock.now, seq: sim.mark() - 0.5, text });
    try {
      switch (step.kind) {
        case 'call': {
          note(`caller ${step.from}${step.name !== undefined ? ` "${step.name}"` : ''} dials ${step.to}`);
          const h = sim.placeCall({ from: step.from, to: step.to, label: step.label, ...(step.name !== undefined ? { name: step.name } : {}) });
          legs.set(step.label, h.caller);
          break;
        }
        case 'press':
          note(`${step.leg} presses ${step.digits}`);
          sim.press(step.label, step.digits, step.leg);
          break;
        case 'answer':
          note(`agent ${step.extension ?? ''} answers`.replace('  ', ' '));
          await sim.agentAnswers(step.label, step.extension);
          break;
        case 'reject':
          note('agent rejects');
          await sim.agentRejects(step.label);
          break;
        case 'hangup':
          note(`${step.leg} hangs up`);
          sim.hangup(step.label, step.leg);
          break;
        case 'hold':
          note(`${step.leg} ${step.on ? 'holds' : 'resumes'}`);
          sim.hold(step.label, step.leg, step.on);
          break;
        case 'transfer':
          note(`transfer to ${step.dest}`);
          sim.transfer(step.label, step.dest);
          break;
        case 'expect':
          await expectStep(sim, step.label, step.what);
          note(`✓ ${step.what}`);
          break;
      }
    } catch (err) {
      if (err instanceof ScenarioError) throw err;
      throw new ScenarioError(step.line, (err as Error).message);
    }
  }
  await sim.advance(0);
  return buildTimeline(sim, legs, actions, startUs, firstEvent, firstCommand);
}

async function expectStep(sim: Simulator, label: string, what: string): Promise<void> {
  const h = sim.handle(label);
  const caller = h.caller;
  switch (what) {
    case 'prompt':
      return sim.expectPrompt(label);
    case 'bridge':
      return sim.until(() => caller.bridge !== undefined, `${label} bridged`);
    case 'recording':
      await sim.waitFor((e) => e.name === 'RECORD_START' && e.uuid === caller.uuid);
      return;
    case 'hangup':
      return sim.until(() => !caller.ch.alive, `${label} hung up`);
    default:
      await sim.waitFor((e) => e.name === what && (e.uuid === caller.uuid || e.uuid === h.agent?.uuid));
  }
}

function buildTimeline(
  sim: Simulator,
  legs: Map<string, Session>,
  actions: Array<{ label: string; at: number; seq: number; text: string }>,
  startUs: number,
  firstEvent: number,
  firstCommand: number,
): Timeline {
  const timeline: Timeline = new Map();
  // Entries sort by virtual time, then by position in the event log (actions and commands
  // sit just before the events they caused).
  const raw = new Map<string, Array<{ at: number; seq: number; text: string }>>();
  const add = (label: string, at: number, seq: number, text: string): void => {
    const list = raw.get(label) ?? [];
    list.push({ at, seq, text });
    raw.set(label, list);
  };
  for (const a of actions) add(a.label, a.at, a.seq, a.text);
  // A leg belongs to a call if it is the caller or its Channel-Call-UUID is the caller's.
  const owner = new Map<string, { label: string; leg: string }>();
  for (const [label, caller] of legs) owner.set(caller.uuid, { label, leg: 'caller' });
  const labelOf = (uuid: string | undefined, ev?: SimEvent): { label: string; leg: string } | undefined => {
    if (uuid === undefined) return undefined;
    const known = owner.get(uuid);
    if (known !== undefined || ev === undefined) return known;
    const callUuid = ev.headers.find(([k]) => k === 'Channel-Call-UUID')?.[1];
    const parent = callUuid !== undefined ? owner.get(callUuid) : undefined;
    if (parent === undefined || parent.leg !== 'caller') return undefined;
    const found = { label: parent.label, leg: 'agent' };
    owner.set(uuid, found);
    return found;
  };
  sim.events.slice(firstEvent).forEach((ev, i) => {
    const who = labelOf(ev.uuid, ev);
    if (who === undefined) return;
    const text = describeEvent(ev, who.leg);
    const at = Number(ev.headers.find(([k]) => k === 'Event-Date-Timestamp')?.[1] ?? startUs);
    if (text !== undefined) add(who.label, at, firstEvent + i, text);
  });
  for (const cmd of sim.received.slice(firstCommand)) {
    const who = labelOf(cmd.sessionUuid) ?? [...legs].map(([label, s]) => (cmd.line.includes(s.uuid) ? { label, leg: 'caller' } : undefined)).find((x) => x !== undefined);
    if (who === undefined) continue;
    const app = cmd.headers['execute-app-name'];
    const text = app !== undefined ? `daemon → sendmsg ${app} ${cmd.headers['execute-app-arg'] ?? ''}`.trimEnd() : `daemon → ${cmd.line}`;
    add(who.label, cmd.at, cmd.eventIndex - 0.25, text);
  }
  for (const [label, list] of raw) {
    list.sort((x, y) => x.at - y.at || x.seq - y.seq);
    timeline.set(label, list.map((e) => ({ atMs: Math.round((e.at - startUs) / 1000), text: e.text })));
  }
  return timeline;
}

/** Readable text for `make demo`: one block per call, virtual time on the left. */
export function formatTimeline(timeline: Timeline): string {
  const out: string[] = [];
  for (const [label, entries] of timeline) {
    out.push(`── ${label} ──`);
    for (const e of entries) out.push(`  ${(e.atMs / 1000).toFixed(3).padStart(8)}s  ${e.text}`);
  }
  return out.join('\n');
}
