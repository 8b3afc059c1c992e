// The page itself: one HTML document with its script and style, served from src/web/page/ (no build step, no framework).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { WebContext } from '../web-server';

/** src/web/page beside the sources, from dist/src/web/routes or src/web/routes alike. */
function pageDir(): string {
  const candidates = [join(__dirname, '..', 'page'), join(__dirname, '..', '..', '..', '..', 'src', 'web', 'page')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates[0]!;
}

export function pageRoutes(app: FastifyInstance, _ctx: WebContext): void {
  const dir = pageDir();
  const files: ReadonlyArray<[string, string, string]> = [
    ['/', 'index.html', 'text/html; charset=utf-8'],
    ['/app.js', 'app.js', 'text/javascript; charset=utf-8'],
    ['/app.css', 'app.css', 'text/css; charset=utf-8'],
  ];
  for (const [url, file, type] of files) {
    const body = readFileSync(join(dir, file));
    app.get(url, async (_request, reply) => reply.header('content-type', type).send(body));
  }
}
