#!/usr/bin/env node
// Serves the built web app (app/dist) over HTTP: `node scripts/serve-app.mjs [port] [host]`
// (default 127.0.0.1:8080). Static files only, GET and HEAD, nothing outside app/dist.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

const root = await realpath(path.resolve(import.meta.dirname, '..', 'app', 'dist'));
const port = Number(process.argv[2] ?? process.env.DDNS_APP_PORT ?? 8080);
const host = process.argv[3] ?? '127.0.0.1';
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

const server = http.createServer(async (req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  let rel;
  try {
    rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  // The real path (symlinks resolved) must lie inside app/dist.
  const inside = async (p) => {
    const real = await realpath(p).catch(() => null);
    return real && (real === root || real.startsWith(root + path.sep)) ? real : null;
  };
  let file = await inside(path.join(root, path.normalize(rel)));
  let info = file && (await stat(file).catch(() => null));
  if (info?.isDirectory()) {
    file = await inside(path.join(file, 'index.html'));
    info = file && (await stat(file).catch(() => null));
  }
  if (!info?.isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': info.size,
    'x-content-type-options': 'nosniff',
    'cache-control': rel.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // A file gone or unreadable between stat and open ends this response, not the server.
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
});
server.on('clientError', (_, socket) => socket.destroy());
server.listen(port, host, () => console.log(`ddns app on http://${host}:${server.address().port}/`));
