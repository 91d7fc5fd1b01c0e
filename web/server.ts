// A static file server for the demo page, on 127.0.0.1 only: the page, its script and the
// shipped assets, nothing else.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WEB_DIR } from './build.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json', '.safetensors': 'application/octet-stream',
};

/** A running demo server. */
export interface DemoServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves `root` (default web/) on 127.0.0.1:`port` (0: any free port). Only files with a known type
 * inside `root` are served; `/` is `index.html`.
 *
 * @example
 * const demo = await startDemoServer({ port: 8173 });
 * console.log(demo.url);
 * await demo.close();
 */
export function startDemoServer(options: { port?: number; root?: string } = {}): Promise<DemoServer> {
  const root = normalize(options.root ?? WEB_DIR);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    const type = TYPES[extname(file)];
    if (!file.startsWith(root.endsWith(sep) ? root : root + sep) || type === undefined || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    readFile(file).then((body) => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    }, () => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/`,
        server,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}
