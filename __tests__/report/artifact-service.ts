import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the two services @actions/artifact (v2+) talks to when it uploads, built from their
 * public shapes (see README.md here): the Actions results service's Twirp JSON API
 * (github.actions.results.api.v1.ArtifactService: CreateArtifact returns a signed upload URL,
 * FinalizeArtifact returns the artifact id) and the Azure Blob REST calls BlockBlobClient.uploadStream
 * makes on that URL (Put Block, then Put Block List).
 */
export interface ArtifactService {
  url: string;
  /** The uploaded blob (a zip), once the block list is committed. */
  blob: () => Buffer | undefined;
  requests: Array<{ method: string; path: string; body: unknown }>;
  close: () => Promise<void>;
}

const TWIRP = '/twirp/github.actions.results.api.v1.ArtifactService/';

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startArtifactService(options: { failCreate?: boolean } = {}): Promise<ArtifactService> {
  const blocks = new Map<string, Buffer>();
  let committed: Buffer | undefined;
  const requests: ArtifactService['requests'] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const data = await body(req);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const json = (status: number, value: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (url.pathname.startsWith(TWIRP)) {
        const parsed = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
        requests.push({ method: url.pathname.slice(TWIRP.length), path: url.pathname, body: parsed });
        if (url.pathname.endsWith('/CreateArtifact')) {
          if (options.failCreate)
            return json(409, { code: 'already_exists', msg: 'an artifact with this name already exists' });
          const { port } = server.address() as AddressInfo;
          return json(200, {
            ok: true,
            signed_upload_url: `http://127.0.0.1:${port}/devstoreaccount1/artifacts/${String(parsed.name)}.zip?sig=stand-in`,
          });
        }
        if (url.pathname.endsWith('/FinalizeArtifact')) return json(200, { ok: true, artifact_id: '4242' });
        return json(404, { code: 'bad_route', msg: 'no such method' });
      }
      // Azure Blob: Put Block (?comp=block&blockid=...) and Put Block List (?comp=blocklist).
      requests.push({
        method: `blob ${url.searchParams.get('comp') ?? ''}`,
        path: url.pathname,
        body: data.length,
      });
      if (req.method === 'PUT' && url.searchParams.get('comp') === 'block') {
        blocks.set(url.searchParams.get('blockid') ?? '', data);
      } else if (req.method === 'PUT' && url.searchParams.get('comp') === 'blocklist') {
        const ids = [...data.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)</g)].map(
          (m) => m[1] ?? '',
        );
        committed = Buffer.concat(ids.map((id) => blocks.get(id) ?? Buffer.alloc(0)));
      } else if (req.method === 'PUT') {
        committed = data;
      }
      res.writeHead(201, { 'x-ms-request-id': 'stand-in', 'x-ms-version': '2024-05-04', etag: '"1"' });
      res.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    blob: () => committed,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A runtime token of the shape the runner gives (a JWT whose scp names the run and job backends); unsigned. */
export function runtimeToken(): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({
    scp: 'Actions.ExampleScope Actions.Results:ce7f54c7-61c7-4aae-887f-30da475f5f1a:ca395085-040a-526b-2ce8-bdc85f692774',
  })}.`;
}
