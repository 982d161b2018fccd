import type { TokenCredential } from '@azure/identity';
import { githubOidcToken, KeySourceError, type RemotePolicy } from './remote.js';

/**
 * Azure credentials the way Azure tools find them, chosen from the environment once so the report can say
 * which one signed: a client secret or certificate (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or
 * AZURE_CLIENT_CERTIFICATE_PATH), workload identity federation with the GitHub OIDC token (tenant and client
 * id, `id-token: write`, no secret at all), a federated token file (AZURE_FEDERATED_TOKEN_FILE), and else
 * the Azure CLI's login (after azure/login) followed by a managed identity (self-hosted runners on Azure).
 * @azure/identity loads only here, only when an Azure source is used.
 */
export interface AzureCredential {
  credential: TokenCredential;
  /** For the report: "client secret", "GitHub OIDC (workload identity federation)", ... */
  kind: string;
}

/** Public, US Government and China clouds' authorities: MSAL resolves them itself. */
const KNOWN_AUTHORITY_HOSTS = [
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.microsoftonline.de',
];

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return url.toLowerCase();
  }
}

/** The audience Entra ID expects in a federated GitHub token. */
export const GITHUB_AZURE_AUDIENCE = 'api://AzureADTokenExchange';

export async function azureCredential(
  env: NodeJS.ProcessEnv,
  setSecret: (value: string) => void,
  policy: RemotePolicy,
): Promise<AzureCredential> {
  const identity = await import('@azure/identity');
  const tenant = env.AZURE_TENANT_ID;
  const client = env.AZURE_CLIENT_ID;
  const authorityHost = env.AZURE_AUTHORITY_HOST;
  const options = {
    ...(authorityHost ? { authorityHost } : {}),
    // Instance discovery asks login.microsoftonline.com about the authority; a private cloud's or Azure
    // Stack's authority (any host MSAL does not know) is taken as given, as Microsoft's docs advise.
    ...(authorityHost && !KNOWN_AUTHORITY_HOSTS.includes(hostOf(authorityHost))
      ? { disableInstanceDiscovery: true }
      : {}),
    retryOptions: {
      maxRetries: policy.attempts - 1,
      retryDelayInMs: policy.baseDelayMs,
      maxRetryDelayInMs: policy.maxDelayMs,
    },
  };
  const secret = env.AZURE_CLIENT_SECRET;
  const certificatePath = env.AZURE_CLIENT_CERTIFICATE_PATH;
  if ((secret || certificatePath) && (!tenant || !client))
    throw new KeySourceError(
      'Azure credentials: AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH is set but AZURE_TENANT_ID or AZURE_CLIENT_ID is not; set both in the step env',
    );
  if (secret && tenant && client) {
    setSecret(secret);
    return {
      credential: new identity.ClientSecretCredential(tenant, client, secret, options),
      kind: 'client secret',
    };
  }
  if (certificatePath && tenant && client) {
    if (env.AZURE_CLIENT_CERTIFICATE_PASSWORD) setSecret(env.AZURE_CLIENT_CERTIFICATE_PASSWORD);
    return {
      credential: new identity.ClientCertificateCredential(
        tenant,
        client,
        { certificatePath, certificatePassword: env.AZURE_CLIENT_CERTIFICATE_PASSWORD },
        options,
      ),
      kind: 'client certificate',
    };
  }
  if (tenant && client && env.ACTIONS_ID_TOKEN_REQUEST_URL) {
    const assertion = (): Promise<string> => githubOidcToken(env, GITHUB_AZURE_AUDIENCE, setSecret, policy);
    return {
      credential: new identity.ClientAssertionCredential(tenant, client, assertion, options),
      kind: 'GitHub OIDC (workload identity federation)',
    };
  }
  if (tenant && client && env.AZURE_FEDERATED_TOKEN_FILE) {
    return {
      credential: new identity.WorkloadIdentityCredential({
        ...options,
        tenantId: tenant,
        clientId: client,
        tokenFilePath: env.AZURE_FEDERATED_TOKEN_FILE,
      }),
      kind: 'federated token file',
    };
  }
  return {
    credential: new identity.ChainedTokenCredential(
      new identity.AzureCliCredential(tenant ? { tenantId: tenant } : {}),
      new identity.ManagedIdentityCredential(client ? { clientId: client } : {}),
    ),
    kind: 'Azure CLI login or managed identity',
  };
}

/** An access token for `scope`, registered as a secret before anyone can print it. */
export async function accessToken(
  azure: AzureCredential,
  scope: string,
  setSecret: (value: string) => void,
  service: string,
  options: { tenantId?: string } = {},
): Promise<string> {
  let token;
  try {
    token = await azure.credential.getToken(scope, options);
  } catch (error) {
    throw new KeySourceError(
      `${service}: could not get an Azure access token with the ${azure.kind} credential: ${firstLine(error)}. Check AZURE_TENANT_ID and AZURE_CLIENT_ID, and for GitHub OIDC the federated credential's subject (repo, branch or environment)`,
    );
  }
  if (!token?.token)
    throw new KeySourceError(
      `${service}: the ${azure.kind} credential returned no access token; check AZURE_TENANT_ID and AZURE_CLIENT_ID`,
    );
  setSecret(token.token);
  return token.token;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split(/\r?\n/)[0] ?? '';
}
