// `node dist/bench/profile-summary.js <file.cpuprofile> [top]`: where a CPU profile's time went — self time by area and by function — within the timed windows the bench wrote beside it (`<file>.windows.json`), or over the whole profile without one.

import { existsSync, readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The package, the folder of src/, or Node's module a function's code is in. */
function areaOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName; // (idle), (garbage collector), (program), native code
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /dist\/(src\/[^/]+|bench|test)/.exec(url);
  if (own) return own[1]!.replace(/\.js$/, '');
  return url;
}

function main(): void {
  const [file, topText] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/bench/profile-summary.js <file.cpuprofile> [top]');
    process.exit(2);
  }
  const top = Number(topText ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const windowsFile = file.replace(/\.cpuprofile$/, '.windows.json');
  const windows = existsSync(windowsFile) ? (JSON.parse(readFileSync(windowsFile, 'utf8')) as [number, number][]) : [[-Infinity, Infinity] as [number, number]];
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i]!;
    if (!windows.some(([from, to]) => at >= from && at <= to)) continue;
    const node = byId.get(profile.samples[i]!)!;
    const us = profile.timeDeltas[i + 1] ?? 0;
    total += us;
    const area = areaOf(node);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
    const { functionName, url, lineNumber } = node.callFrame;
    const fn = `${functionName || '(anonymous)'} ${url.replace(/^.*\//, '')}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const print = (title: string, map: Map<string, number>) => {
    console.log(title);
    for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`  ${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${name}`);
    }
  };
  console.log(`${(total / 1000).toFixed(0)} ms of samples${windows.length > 1 || Number.isFinite(windows[0]![0]) ? ` in ${windows.length} timed window(s)` : ''}`);
  print('self time by area', byArea);
  print('self time by function', byFunction);
}

main();
