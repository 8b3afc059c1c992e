// Plays a parsed scenario against the simulator with a daemon on the other side, running virtual time while someone listens to a prompt.

import type { CallHandle, ScenarioStep, Simulator } from '../simulator';

export interface DriveOptions {
  /** Called after each virtual-time slice: a yield (dry run) or a real-time sleep (--serve). */
  readonly pace: (virtualMs: number) => Promise<void>;
  /** Each scripted action as it happens, with the call's label and virtual ms since the script began. */
  readonly onAction?: (label: string | undefined, text: string, atMs: number) => void;
  /** Real-time guard for one wait on the daemon (ms). */
  readonly waitMs?: number;
}

const SLICE_MS = 250;

/**
 * Someone hears something that only the simulator's clock can end: a prompt, an announcement,
 * or — unless the script's next step is the caller's key — the menu waiting for a key that the
 * caller (silent in the script) never presses, so its timeout runs.
 */
function playing(call: CallHandle, callerSilent: boolean): boolean {
  const s = call.caller;
  const a = call.agent;
  const menu = s.runningApp === 'play_and_get_digits' && (callerSilent || !s.awaitingDigits);
  return s.runningApp === 'playback' || menu || a?.runningApp === 'playback';
}

export class ScenarioDriver {
  private readonly calls = new Map<string, CallHandle>();
  private readonly startUs: number;

  constructor(
    private readonly sim: Simulator,
    private readonly options: DriveOptions,
  ) {
    this.startUs = sim.clock.now;
  }

  get handles(): ReadonlyMap<string, CallHandle> {
    return this.calls;
  }

  private get atMs(): number {
    return Math.round((this.sim.clock.now - this.startUs) / 1000);
  }

  private note(label: string | undefined, text: string): void {
    this.options.onAction?.(label, text, this.atMs);
  }

  /** Runs virtual time in slices, pacing each, until `pred` holds or `maxMs` virtual ms passed. */
  async advance(ms: number, pred: () => boolean = () => false): Promise<void> {
    for (let left = ms; left > 0 && !pred(); left -= SLICE_MS) {
      await this.sim.advance(Math.min(SLICE_MS, left));
      await this.options.pace(Math.min(SLICE_MS, left));
    }
  }

  /**
   * Waits for `pred`: on the daemon (real time, re-checked on every model change) and, while
   * someone hears a prompt or an announcement, on the simulator's clock.
   */
  private async until(call: CallHandle, pred: () => boolean, what: string, callerSilent = true): Promise<void> {
    for (let i = 0; i < 400 && !pred(); i++) {
      await this.sim.until(() => pred() || playing(call, callerSilent), what, this.options.waitMs ?? 10_000);
      while (playing(call, callerSilent) && !pred()) await this.advance(SLICE_MS);
    }
    if (!pred()) throw new Error(`gave up waiting for ${what}`);
  }

  private call(label: string): CallHandle {
    const h = this.calls.get(label);
    if (h === undefined) throw new Error(`no call "${label}"`);
    return h;
  }

  async step(step: ScenarioStep): Promise<void> {
    const sim = this.sim;
    if (step.kind === 'wait') {
      this.note(undefined, `${step.ms / 1000}s pass`);
      await this.advance(step.ms);
      return;
    }
    if (step.kind === 'call') {
      this.note(step.label, `caller ${step.from}${step.name !== undefined ? ` "${step.name}"` : ''} dials ${step.to}`);
      this.calls.set(step.label, sim.placeCall({ from: step.from, to: step.to, label: step.label, ...(step.name !== undefined ? { name: step.name } : {}) }));
      return;
    }
    const call = this.call(step.label);
    const caller = call.caller;
    const seen = (name: string, since: number): boolean =>
      sim.events.slice(since).some((e) => e.name === name && (e.uuid === caller.uuid || e.uuid === call.agent?.uuid));
    switch (step.kind) {
      case 'press':
        if (step.leg === 'caller') await this.until(call, () => caller.awaitingDigits || caller.bridge !== undefined || !caller.ch.alive, `${step.label}: somewhere to press a key`, false);
        this.note(step.label, `${step.leg} presses ${step.digits}`);
        if (caller.ch.alive) sim.press(call, step.digits, step.leg);
        return;
      case 'answer':
      case 'reject':
        await this.until(call, () => call.agent?.farEnd === 'ringing' || !caller.ch.alive, `${step.label}: an agent leg ringing`);
        if (!caller.ch.alive) throw new Error(`${step.label}: the call ended before an agent rang`);
        this.note(step.label, step.kind === 'answer' ? `agent ${step.extension ?? ''} answers`.replace('  ', ' ') : 'agent rejects');
        if (step.kind === 'answer') await sim.agentAnswers(call, step.extension);
        else await sim.agentRejects(call);
        return;
      case 'hangup':
        this.note(step.label, `${step.leg} hang${step.leg === 'both' ? '' : 's'} up`);
        if (caller.ch.alive || call.agent?.ch.alive) sim.hangup(call, step.leg);
        return;
      case 'hold':
        this.note(step.label, `${step.leg} ${step.on ? 'holds' : 'resumes'}`);
        sim.hold(call, step.leg, step.on);
        return;
      case 'transfer':
        this.note(step.label, `transfer to ${step.dest}`);
        sim.transfer(call, step.dest);
        return;
      case 'expect': {
        const since = 0;
        const preds: Record<string, () => boolean> = {
          prompt: () => caller.awaitingDigits || !caller.ch.alive,
          bridge: () => caller.bridge !== undefined || !caller.ch.alive,
          recording: () => seen('RECORD_START', since) || !caller.ch.alive,
          hangup: () => !caller.ch.alive,
        };
        const pred = preds[step.what] ?? (() => seen(step.what, since) || !caller.ch.alive);
        await this.until(call, pred, `${step.label}: ${step.what}`, step.what !== 'prompt');
        const held =
          step.what === 'prompt' ? caller.awaitingDigits : step.what === 'bridge' ? caller.bridge !== undefined : step.what === 'recording' ? seen('RECORD_START', since) : step.what === 'hangup' ? true : seen(step.what, since);
        this.note(step.label, held ? `✓ ${step.what}` : `✗ ${step.what} (the call ended first)`);
        return;
      }
    }
  }

  /** After the script: virtual time runs until every call is over (at most `maxMs`); the rest are hung up. */
  async finish(maxMs = 600_000): Promise<string[]> {
    const alive = (): CallHandle[] => [...this.calls.values()].filter((c) => c.caller.ch.alive || c.agent?.ch.alive === true);
    await this.advance(maxMs, () => alive().length === 0);
    const hungUp = alive().map((c) => c.label);
    for (const c of alive()) this.sim.hangup(c, 'both');
    await this.advance(2_000);
    return hungUp;
  }
}
