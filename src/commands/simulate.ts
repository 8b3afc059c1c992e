// `callwarden simulate`: scripted calls against the operator's own configuration, no FreeSWITCH needed.

import type { CliCommand } from './command';

export const simulateCommand: CliCommand = {
  name: 'simulate',
  summary: 'play scripted calls against this configuration without a FreeSWITCH',
  operands: '[scenario...]',
  async run() {
    return 1;
  },
};
