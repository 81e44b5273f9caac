/**
 * Running pages in headless Chromium (Debian `chromium`) for the browser tests: a server on
 * 127.0.0.1 for a page's files, the browser pointed at it, and the body the page posts back.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.LAYERGEN_CHROMIUM ?? '/usr/bin/chromium';

/** A page that loads one script (a classic script, or a module). */
export const html = (script: string, module: boolean): string => `<!doctype html><meta charset="utf-8"><script${module ? ' type="module"' : ''} src="/${script}"></script>`;

/** Serves `files` on 127.0.0.1 and resolves with the body of the first POST /result. */
export async function serve(
  files: Record<string, { type: string; body: string | Uint8Array }>,
  run: (url: string) => () => void,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<string> {
  let stop = (): void => undefined;
  const server = createServer();
  try {
    return await new Promise<string>((resolve, reject) => {
      server.on('request', (req, res) => {
        if (req.method === 'POST' && req.url === '/result') {
          let body = '';
          req.on('data', (c: Buffer) => (body += c.toString('utf8')));
          req.on('end', () => {
            res.end('ok');
            resolve(body);
          });
          return;
        }
        const f = files[(req.url ?? '/').split('?')[0]!];
        if (!f) {
          res.statusCode = 404;
          res.end();
          return;
        }
        res.setHeader('content-type', f.type);
        for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
        res.end(f.body);
      });
      server.listen(0, '127.0.0.1', () => {
        const port = (server.address() as { port: number }).port;
        stop = run(`http://127.0.0.1:${port}/`);
      });
      setTimeout(() => reject(new Error(`no result from the page within ${timeoutMs} ms`)), timeoutMs).unref();
    });
  } finally {
    stop();
    server.close();
  }
}

export function chromium(url: string): () => void {
  const profile = mkdtempSync(join(tmpdir(), 'layergen-chromium-'));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', `--user-data-dir=${profile}`, url];
  const p = spawn(CHROMIUM, args, { stdio: 'ignore' });
  return () => {
    p.kill('SIGKILL');
    setTimeout(() => rmSync(profile, { recursive: true, force: true }), 500).unref();
  };
}
