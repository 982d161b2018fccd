import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../../src/platform/httppost.js';
import { issue } from '../helpers/pki.js';
import { scratchDir } from '../helpers/tmp.js';

/** A local server whose behaviour is chosen by the request path. */
let server: http.Server;
let base: string;
const seen: Array<{ method: string; path: string; body: string; type: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        body,
        type: req.headers['content-type'] ?? '',
      });
      const path = req.url ?? '/';
      if (path === '/echo') res.writeHead(200).end(`got ${body}`);
      else if (path === '/moved') res.writeHead(301, { location: '/echo' }).end();
      else if (path === '/loop') res.writeHead(302, { location: '/loop' }).end();
      else if (path === '/big') res.writeHead(200).end(Buffer.alloc(4096, 1));
      else if (path === '/busy') res.writeHead(503, 'Service Unavailable').end('later');
      // /silent: accepts and never answers
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const options = {
  headers: { 'content-type': 'application/timestamp-query' },
  timeoutMs: 2000,
  maxBytes: 1024,
};

describe('post', () => {
  it('posts the body with its headers and returns status and reply', async () => {
    const reply = await post(`${base}/echo`, Buffer.from('query'), options);
    expect(reply).toMatchObject({ status: 200, body: Buffer.from('got query') });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', body: 'query', type: 'application/timestamp-query' });
  });

  it('follows a redirect with the same POST, and gives up on a loop', async () => {
    const reply = await post(`${base}/moved`, Buffer.from('again'), options);
    expect(reply.body.toString()).toBe('got again');
    expect(seen.at(-1)).toMatchObject({ method: 'POST', path: '/echo', body: 'again' });
    await expect(post(`${base}/loop`, Buffer.from('x'), options)).rejects.toThrow('more than 5 redirects');
  });

  it('returns an error status as it is, for the caller to judge', async () => {
    expect(await post(`${base}/busy`, Buffer.from('x'), options)).toMatchObject({
      status: 503,
      statusText: 'Service Unavailable',
    });
  });

  it('refuses a reply over the size limit', async () => {
    await expect(post(`${base}/big`, Buffer.from('x'), options)).rejects.toThrow(
      'reply larger than 1024 bytes',
    );
  });

  it('says timed out when the server never answers, within the deadline', async () => {
    const started = Date.now();
    await expect(post(`${base}/silent`, Buffer.from('x'), { ...options, timeoutMs: 300 })).rejects.toThrow(
      'timed out after 0.3 s',
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('names a refused connection and refuses schemes other than http and https', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(post(`http://127.0.0.1:${port}/`, Buffer.from('x'), options)).rejects.toThrow(
      'connection refused',
    );
    await expect(post('file:///etc/passwd', Buffer.from('x'), options)).rejects.toThrow(
      'unsupported URL scheme file:',
    );
  });

  it('speaks TLS to an https URL: a server it trusts answers, a self-signed one is refused', async () => {
    // A self-signed server certificate for localhost (the host name is checked against its CN).
    const server = issue(scratchDir('gag-https-'), 'tls', { cn: 'localhost', eku: ['serverAuth'] });
    const tls = https.createServer({ key: server.keyPem, cert: server.certPem }, (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end('over tls'));
    });
    await new Promise<void>((r) => tls.listen(0, 'localhost', r));
    const url = `https://localhost:${(tls.address() as AddressInfo).port}/`;
    try {
      await expect(post(url, Buffer.from('x'), options)).rejects.toThrow('self-signed certificate');
      https.globalAgent.options.ca = server.certPem;
      const reply = await post(url, Buffer.from('x'), options);
      expect(reply.body.toString()).toBe('over tls');
    } finally {
      delete https.globalAgent.options.ca;
      https.globalAgent.destroy();
      tls.closeAllConnections();
      await new Promise((r) => tls.close(r));
    }
  });
});
