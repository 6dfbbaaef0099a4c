// JSON-RPC over HTTP for the load benchmarks: keep-alive connections, at most `sockets` open.
import http from 'node:http';

/** A poster: `post(port, body)` resolves with the response text; `post.agent.destroy()` ends it. */
export function poster(sockets) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const post = (port, body) =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          let data = '';
          res.on('data', (c) => (data += c));
          res.on('end', () => resolve(data));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  post.agent = agent;
  return post;
}
