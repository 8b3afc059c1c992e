// Reading a Prometheus text scrape in tests.

/** One sample's value from a scrape (`name{labels}` exactly as Prometheus prints it); undefined when absent. */
export function sample(scrape: string, series: string): number | undefined {
  const line = scrape.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
