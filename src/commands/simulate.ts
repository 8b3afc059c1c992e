// `callwarden simulate`: scripted calls against the operator's own configuration, without a FreeSWITCH.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError, type CliCommand } from './command';

interface SimulateOptions {
  readonly route: string[];
  readonly group?: string;
  readonly target?: string;
  readonly set: string[];
  readonly agentConsent?: string;
  readonly timeline?: boolean;
  readonly serve?: boolean;
  readonly port?: string;
  readonly host: string;
  readonly repeat?: boolean;
  readonly log: string;
}

/** The scenarios shipped with the package (examples/scenarios/*.scenario). */
export function exampleScenarios(dir = join(__dirname, '..', '..', '..', 'examples', 'scenarios')): Array<{ name: string; text: string }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.scenario'))
    .sort()
    .map((f) => ({ name: `examples/scenarios/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
}

export const simulateCommand: CliCommand<SimulateOptions> = {
  name: 'simulate',
  summary: 'play scripted calls against this configuration without a FreeSWITCH; --serve: a simulated FreeSWITCH for a running daemon',
  operands: '[scenario...]',
  options: [
    { flags: '--route <number=group>', description: 'which group a dialled number reaches (repeatable), e.g. 5000=hotline', repeatable: true },
    { flags: '--group <name>', description: 'the group every dialled number reaches (default: the only configured group)' },
    { flags: '--target <dial-string>', description: "where the dialplan bridges (callwarden_target) when the group has no target; default user/<the group's first extension>" },
    { flags: '--set <var=value>', description: 'a channel variable the dialplan sets on every call (repeatable), e.g. callwarden_no_record=true', repeatable: true },
    { flags: '--agent-consent <exts>', description: 'agents with recording consent on file, comma-separated ("none" for nobody); default: every extension in recording.extensions' },
    { flags: '--timeline', description: "also print each call's scripted actions and the daemon's commands" },
    { flags: '--serve', description: 'run only the simulated FreeSWITCH (event socket) and play the scenarios in real time for a daemon started separately (make run)' },
    { flags: '--port <port>', description: '--serve: the event socket port (default: esl.port of the configuration)' },
    { flags: '--host <address>', description: '--serve: the address to listen on', default: '127.0.0.1' },
    { flags: '--repeat', description: '--serve: play the scenarios again and again' },
    { flags: '--log <level>', description: "the daemon's log level during the dry run (error, warn, info, debug)", default: 'error' },
  ],
  exitCodes: { 5: 'a scenario could not be played to its end (named in the output)' },
  details:
    'Without scenario files the examples in examples/scenarios/ are played. Scenario lines (one step each, # comments):\n' +
    '  call <label>: caller <number> ["<name>"] dials <number>    <label>: caller|agent presses <digits>\n' +
    '  <label>: agent [<ext>] answers | agent rejects           <label>: caller|agent hangs up | both hang up\n' +
    '  <label>: caller|agent holds|resumes                      <label>: transfer to <number>\n' +
    '  <label>: expect prompt|bridge|recording|hangup|<EVENT>   wait <n>ms|s|m\n' +
    'Everything runs in this process with the configured groups, modes, prompts and extensions; the\n' +
    'database is in memory, MQTT and HTTP are off, nothing is written to the configured database.\n' +
    'For each call it prints the evidence callwarden kept (what was asked, pressed, decided and why)\n' +
    'and the recordings (segment, channels, length, checked status).',
  async run(config, { operands, options }, print) {
    const scenarios = operands.length > 0 ? operands.map((f) => ({ name: basename(f), text: readText(f) })) : exampleScenarios();
    const vars: Record<string, string> = {};
    for (const pair of options.set ?? []) {
      const m = /^(\w+)=(.*)$/.exec(pair);
      if (m === null) throw new UsageError(`--set "${pair}": use <variable>=<value>`);
      vars[m[1]!] = m[2]!;
    }
    const routing = { routes: options.route ?? [], vars, ...(options.group ? { group: options.group } : {}), ...(options.target ? { target: options.target } : {}) };
    if (options.serve) {
      const port = options.port === undefined ? config.esl.port : Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port "${options.port}": a port number`);
      const { serveSimulator } = await import('../dry-run/serve');
      return serveSimulator(config, { ...routing, scenarios, host: options.host, port, repeat: options.repeat === true }, print);
    }
    if (!['error', 'warn', 'info', 'debug'].includes(options.log)) throw new UsageError(`--log "${options.log}": error, warn, info or debug`);
    const consenting =
      options.agentConsent === undefined ? Object.keys(config.recording.extensions) : options.agentConsent === 'none' ? [] : options.agentConsent.split(',').map((e) => e.trim()).filter(Boolean);
    const { configureLogger, logger } = await import('../logger');
    configureLogger({ level: options.log, format: config.log.format });
    const { runDryRun } = await import('../dry-run/dry-run');
    return runDryRun(config, { ...routing, scenarios, consenting, timeline: options.timeline === true, logger }, print);
  },
};

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read scenario ${file}: ${(err as Error).message}`);
  }
}
