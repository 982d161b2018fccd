import { constants, createPrivateKey, privateEncrypt, sign } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DIGEST_INFO_PREFIX } from './azure-standin.js';
import type { Issued } from './pki.js';

/**
 * AWS KMS's Sign operation as the SDK calls it (AWS JSON 1.1 protocol, see __tests__/fixtures/azure/README.md,
 * "AWS KMS"): POST / with `X-Amz-Target: TrentService.Sign` and {KeyId, Message, MessageType, SigningAlgorithm},
 * answered {KeyId, Signature, SigningAlgorithm}; errors are 400 with {"__type", "message"}.
 */
export interface KmsStandin {
  url: string;
  env: Record<string, string>;
  /** Error types to answer with, one per request, before answering normally. */
  errors: string[];
  requests: Array<{ target: string; body: Record<string, unknown>; authorization: string }>;
  close(): Promise<void>;
}

export const KMS_KEY_ID = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

export async function startKmsStandin(leaf: Issued): Promise<KmsStandin> {
  const key = createPrivateKey(leaf.keyPem);
  const state = { errors: [] as string[], requests: [] as KmsStandin['requests'] };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, string>;
      const target = String(req.headers['x-amz-target'] ?? '');
      state.requests.push({ target, body, authorization: String(req.headers.authorization ?? '') });
      const reply = (status: number, json: unknown): void => {
        res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' }).end(JSON.stringify(json));
      };
      const error = state.errors.shift();
      if (error) return reply(400, { __type: error, message: `stand-in: ${error}` });
      if (target !== 'TrentService.Sign' || body.KeyId !== KMS_KEY_ID)
        return reply(400, { __type: 'NotFoundException', message: `Key '${body.KeyId}' does not exist` });
      const digest = Buffer.from(body.Message ?? '', 'base64');
      const algorithm = body.SigningAlgorithm ?? '';
      const bits = /_SHA_(\d+)$/.exec(algorithm)?.[1] ?? '';
      const signature = algorithm.startsWith('RSASSA_PKCS1_V1_5')
        ? privateEncrypt(
            { key, padding: constants.RSA_PKCS1_PADDING },
            Buffer.concat([Buffer.from(DIGEST_INFO_PREFIX[`sha${bits}`] ?? '', 'hex'), digest]),
          )
        : sign(null, digest, key);
      return reply(200, {
        KeyId: KMS_KEY_ID,
        Signature: signature.toString('base64'),
        SigningAlgorithm: algorithm,
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    env: {
      AWS_ACCESS_KEY_ID: 'AKIDSTANDIN00000000',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-key-do-not-print',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_KMS: url,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    get errors() {
      return state.errors;
    },
    requests: state.requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
