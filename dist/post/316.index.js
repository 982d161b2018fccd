export const id = 316;
export const ids = [316];
export const modules = {

/***/ 15316:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   artifactSigningKey: () => (/* binding */ artifactSigningKey)
/* harmony export */ });
/* unused harmony exports ARTIFACT_SIGNING_API_VERSION, ARTIFACT_SIGNING_SCOPE */
/* harmony import */ var node_buffer__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4573);
/* harmony import */ var node_buffer__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_buffer__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _azure_credential_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(91403);
/* harmony import */ var _certs_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(39349);
/* harmony import */ var _remote_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(43518);




/**
 * Azure Artifact Signing (formerly Trusted Signing) through its digest-signing data-plane API, the one
 * its signtool dlib calls: POST .../sign with the digest, poll .../sign/{operationId} until it succeeds,
 * take the signature and the signing certificate. The chain comes from .../sign/certchain (PKCS#7).
 * Shapes: __tests__/fixtures/azure/README.md.
 */
const ARTIFACT_SIGNING_API_VERSION = '2022-06-15-preview';
const ARTIFACT_SIGNING_SCOPE = 'https://codesigning.azure.net/.default';
const SERVICE = 'Azure Artifact Signing';
async function artifactSigningKey(o) {
    const policy = { ..._remote_js__WEBPACK_IMPORTED_MODULE_3__/* .DEFAULT_REMOTE_POLICY */ .ue, ...o.policy };
    const azure = o.credential ?? (await (0,_azure_credential_js__WEBPACK_IMPORTED_MODULE_1__/* .azureCredential */ .$D)(o.env, o.setSecret, policy));
    const base = `${o.endpoint.replace(/\/+$/, '')}/codesigningaccounts/${encodeURIComponent(o.account)}/certificateprofiles/${encodeURIComponent(o.profile)}`;
    const url = (path) => `${base}${path}?api-version=${ARTIFACT_SIGNING_API_VERSION}`;
    const call = async (what, path, init = {}) => {
        let answer;
        try {
            answer = await (0,_remote_js__WEBPACK_IMPORTED_MODULE_3__/* .fetchWithRetry */ .J5)(url(path), async () => ({
                ...init,
                headers: {
                    ...init.headers,
                    Authorization: `Bearer ${await (0,_azure_credential_js__WEBPACK_IMPORTED_MODULE_1__/* .accessToken */ .aS)(azure, ARTIFACT_SIGNING_SCOPE, o.setSecret, SERVICE)}`,
                },
            }), policy);
        }
        catch (error) {
            if (error instanceof _remote_js__WEBPACK_IMPORTED_MODULE_3__/* .KeySourceError */ .r5)
                throw error;
            throw new _remote_js__WEBPACK_IMPORTED_MODULE_3__/* .KeySourceError */ .r5(`${SERVICE}: ${what} at ${o.endpoint} failed: ${error.message}. Check artifact-signing-endpoint (your account's region, such as https://eus.codesigning.azure.net)`);
        }
        if (answer.status >= 200 && answer.status < 300)
            return answer;
        throw new _remote_js__WEBPACK_IMPORTED_MODULE_3__/* .KeySourceError */ .r5(`${SERVICE}: ${what} answered ${answer.status}${statusHint(answer, o)}`);
    };
    let chain;
    const loadChain = () => (chain ??= call('reading the certificate chain', '/sign/certchain', {
        headers: { Accept: 'application/pkcs7-mime' },
    }).then((answer) => {
        const certificates = (0,_certs_js__WEBPACK_IMPORTED_MODULE_2__/* .orderChain */ .k$)((0,_certs_js__WEBPACK_IMPORTED_MODULE_2__/* .parseCertificates */ .WW)(answer.body));
        if (certificates.length === 0)
            throw new _remote_js__WEBPACK_IMPORTED_MODULE_3__/* .KeySourceError */ .r5(`${SERVICE}: the certificate chain of profile ${o.profile} is empty`);
        return certificates;
    }));
    const first = await loadChain();
    const keyType = (0,_certs_js__WEBPACK_IMPORTED_MODULE_2__/* .keyTypeOf */ .zj)(first[0]);
    const signDigest = async (digest, algorithm) => {
        const started = Date.now();
        const submitted = await call('submitting the digest', '/sign', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
            body: JSON.stringify({
                signatureAlgorithm: (0,_certs_js__WEBPACK_IMPORTED_MODULE_2__/* .joseAlgorithm */ .zK)(keyType, algorithm),
                digest: node_buffer__WEBPACK_IMPORTED_MODULE_0__.Buffer.from(digest).toString('base64'),
            }),
        });
        let status = parseStatus(submitted);
        for (let poll = 0; status.status === 'InProgress' || status.status === 'Running' || status.status === 'NotStarted'; poll++) {
            if (Date.now() - started > policy.operationTimeoutMs)
                throw new _remote_js__WEBPACK_IMPORTED_MODULE_3__/* .KeySourceError */ .r5(`${SERVICE}: signing operation ${status.operationId} did not finish within ${Math.round(policy.operationTimeoutMs / 1000)} s; the service may be degraded, try again later`);
            await (policy.wait ?? _remote_js__WEBPACK_IMPORTED_MODULE_3__/* .sleep */ .yy)(Math.min(1_000, 50 + 100 * poll));
            status = parseStatus(await call('polling the signing operation', `/sign/${encodeURIComponent(status.operationId ?? '')}`, {
                headers: { Accept: 'application/json' },
            }));
        }
        if (status.status !== 'Succeeded' || !status.signature)
            throw new _remote_js__WEBPACK_IMPORTED_MODULE_3__/* .KeySourceError */ .r5(`${SERVICE}: signing operation ${status.operationId} ended ${status.status ?? 'without a status'}. Check that certificate profile ${o.profile} (artifact-signing-profile) is active and its identity validation is complete`);
        if (status.signingCertificate) {
            const leaf = (0,_certs_js__WEBPACK_IMPORTED_MODULE_2__/* .orderChain */ .k$)((0,_certs_js__WEBPACK_IMPORTED_MODULE_2__/* .parseCertificates */ .WW)(status.signingCertificate))[0];
            const expected = (await loadChain())[0];
            if (leaf && expected && !node_buffer__WEBPACK_IMPORTED_MODULE_0__.Buffer.from(leaf).equals(node_buffer__WEBPACK_IMPORTED_MODULE_0__.Buffer.from(expected)))
                throw new _remote_js__WEBPACK_IMPORTED_MODULE_3__/* .KeySourceError */ .r5(`${SERVICE}: profile ${o.profile} signed with a different certificate than its chain named (the daily certificate rotated during the run); run the step again`);
        }
        const signature = node_buffer__WEBPACK_IMPORTED_MODULE_0__.Buffer.from(status.signature, 'base64');
        return keyType === 'ecdsa' ? (0,_certs_js__WEBPACK_IMPORTED_MODULE_2__/* .ecdsaJoseToDer */ .aq)(signature) : signature;
    };
    return {
        description: `Azure Artifact Signing profile ${o.profile} (account ${o.account}, ${azure.kind})`,
        keyType,
        chain: loadChain,
        signDigest: (0,_remote_js__WEBPACK_IMPORTED_MODULE_3__/* .limitConcurrency */ .f6)(policy.maxConcurrency, signDigest),
        maxConcurrency: policy.maxConcurrency,
    };
}
function parseStatus(answer) {
    try {
        return JSON.parse(answer.body.toString());
    }
    catch {
        throw new _remote_js__WEBPACK_IMPORTED_MODULE_3__/* .KeySourceError */ .r5(`${SERVICE}: the service answered ${answer.status} with a body that is not JSON`);
    }
}
/** What to check for each documented failure, after the service's own words. */
function statusHint(answer, o) {
    const detail = (0,_remote_js__WEBPACK_IMPORTED_MODULE_3__/* .serviceDetail */ .NK)(answer.body);
    const said = detail ? ` (${detail})` : '';
    switch (answer.status) {
        case 401:
            return `${said}: the access token was refused. Check AZURE_TENANT_ID (the account's tenant) and that artifact-signing-endpoint is the account's region endpoint`;
        case 403:
            return `${said}: the identity may not sign with profile ${o.profile}. Give it the "Artifact Signing Certificate Profile Signer" role (formerly "Trusted Signing Certificate Profile Signer") on account ${o.account}`;
        case 404:
            return `${said}: check artifact-signing-account (${o.account}) and artifact-signing-profile (${o.profile}), and that artifact-signing-endpoint is the region the account lives in`;
        case 429:
            return `${said} after ${answer.attempts} tries: the service is throttling; lower concurrency or try again later`;
        default:
            return answer.status >= 500
                ? `${said} after ${answer.attempts} tries: the service failed; try again later`
                : `${said}: check artifact-signing-endpoint, artifact-signing-account and artifact-signing-profile`;
    }
}


/***/ }),

/***/ 91403:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $D: () => (/* binding */ azureCredential),
/* harmony export */   aS: () => (/* binding */ accessToken)
/* harmony export */ });
/* unused harmony export GITHUB_AZURE_AUDIENCE */
/* harmony import */ var _remote_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(43518);

/** Public, US Government and China clouds' authorities: MSAL resolves them itself. */
const KNOWN_AUTHORITY_HOSTS = [
    'login.microsoftonline.com',
    'login.microsoftonline.us',
    'login.chinacloudapi.cn',
    'login.microsoftonline.de',
];
function hostOf(url) {
    try {
        return new URL(url).hostname.toLowerCase();
    }
    catch {
        return url.toLowerCase();
    }
}
/** The audience Entra ID expects in a federated GitHub token. */
const GITHUB_AZURE_AUDIENCE = 'api://AzureADTokenExchange';
async function azureCredential(env, setSecret, policy) {
    const identity = await Promise.all(/* import() */[__webpack_require__.e(818), __webpack_require__.e(915), __webpack_require__.e(952)]).then(__webpack_require__.bind(__webpack_require__, 23952));
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
        throw new _remote_js__WEBPACK_IMPORTED_MODULE_0__/* .KeySourceError */ .r5('Azure credentials: AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH is set but AZURE_TENANT_ID or AZURE_CLIENT_ID is not; set both in the step env');
    if (secret && tenant && client) {
        setSecret(secret);
        return {
            credential: new identity.ClientSecretCredential(tenant, client, secret, options),
            kind: 'client secret',
        };
    }
    if (certificatePath && tenant && client) {
        if (env.AZURE_CLIENT_CERTIFICATE_PASSWORD)
            setSecret(env.AZURE_CLIENT_CERTIFICATE_PASSWORD);
        return {
            credential: new identity.ClientCertificateCredential(tenant, client, { certificatePath, certificatePassword: env.AZURE_CLIENT_CERTIFICATE_PASSWORD }, options),
            kind: 'client certificate',
        };
    }
    if (tenant && client && env.ACTIONS_ID_TOKEN_REQUEST_URL) {
        const assertion = () => (0,_remote_js__WEBPACK_IMPORTED_MODULE_0__/* .githubOidcToken */ .Kg)(env, GITHUB_AZURE_AUDIENCE, setSecret, policy);
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
        credential: new identity.ChainedTokenCredential(new identity.AzureCliCredential(tenant ? { tenantId: tenant } : {}), new identity.ManagedIdentityCredential(client ? { clientId: client } : {})),
        kind: 'Azure CLI login or managed identity',
    };
}
/** An access token for `scope`, registered as a secret before anyone can print it. */
async function accessToken(azure, scope, setSecret, service, options = {}) {
    let token;
    try {
        token = await azure.credential.getToken(scope, options);
    }
    catch (error) {
        throw new _remote_js__WEBPACK_IMPORTED_MODULE_0__/* .KeySourceError */ .r5(`${service}: could not get an Azure access token with the ${azure.kind} credential: ${firstLine(error)}. Check AZURE_TENANT_ID and AZURE_CLIENT_ID, and for GitHub OIDC the federated credential's subject (repo, branch or environment)`);
    }
    if (!token?.token)
        throw new _remote_js__WEBPACK_IMPORTED_MODULE_0__/* .KeySourceError */ .r5(`${service}: the ${azure.kind} credential returned no access token; check AZURE_TENANT_ID and AZURE_CLIENT_ID`);
    setSecret(token.token);
    return token.token;
}
function firstLine(error) {
    return (error instanceof Error ? error.message : String(error)).split(/\r?\n/)[0] ?? '';
}


/***/ }),

/***/ 39349:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   WW: () => (/* binding */ parseCertificates),
/* harmony export */   aq: () => (/* binding */ ecdsaJoseToDer),
/* harmony export */   k$: () => (/* binding */ orderChain),
/* harmony export */   s1: () => (/* binding */ readChainFile),
/* harmony export */   zK: () => (/* binding */ joseAlgorithm),
/* harmony export */   zj: () => (/* binding */ keyTypeOf)
/* harmony export */ });
/* unused harmony export messageOf */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(77598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _pe_der_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(40332);
/* harmony import */ var _platform_files_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(94924);



/**
 * Certificate and signature plumbing the remote keys share: chains from PEM files and PKCS#7 bundles,
 * ordered leaf first; the key type a certificate implies; ECDSA signatures in the DER form CMS wants.
 */
const SIGNED_DATA = '1.2.840.113549.1.7.2';
/** Every certificate in PEM text, DER bytes of one certificate, or a DER/base64 PKCS#7 certificate bundle. */
function parseCertificates(data) {
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
    if (text.includes('-----BEGIN CERTIFICATE-----')) {
        return [...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'));
    }
    let der = typeof data === 'string' ? Buffer.from(data.replace(/\s+/g, ''), 'base64') : Buffer.from(data);
    // Services hand bundles back as base64 text inside base64 (Artifact Signing's signingCertificate).
    const inner = der.toString('latin1').replace(/\s+/g, '');
    if (der.length > 0 && der[0] !== 0x30 && /^[A-Za-z0-9+/]+={0,2}$/.test(inner))
        der = Buffer.from(inner, 'base64');
    return certificatesInPkcs7(der) ?? [new Uint8Array(new node_crypto__WEBPACK_IMPORTED_MODULE_0__.X509Certificate(der).raw)];
}
/** The certificates of a PKCS#7 SignedData (RFC 5652 5.1, `certificates [0] IMPLICIT`); undefined if not one. */
function certificatesInPkcs7(der) {
    const root = (0,_pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .readNode */ .XH)(der, 0);
    const [type, explicit] = root ? (0,_pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .childrenOf */ .LU)(der, root) : [];
    if (!type || !explicit || (0,_pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .oidOf */ ._f)(der, type) !== SIGNED_DATA)
        return undefined;
    const [signedData] = (0,_pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .childrenOf */ .LU)(der, explicit);
    const set = signedData ? (0,_pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .childrenOf */ .LU)(der, signedData).find((n) => n.tag === _pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .TAG */ .Dk.context0) : undefined;
    return set
        ? (0,_pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .childrenOf */ .LU)(der, set)
            .filter((n) => n.tag === _pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .TAG */ .Dk.sequence)
            .map((n) => new Uint8Array((0,_pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .encodingOf */ .P$)(der, n)))
        : [];
}
/** Orders a set of certificates (a PKCS#7 SET has no order) as a chain: the leaf, then each issuer. */
function orderChain(certificates) {
    const parsed = certificates.map((der) => ({ der, x509: new node_crypto__WEBPACK_IMPORTED_MODULE_0__.X509Certificate(der) }));
    const issuesAnother = (c) => parsed.some((o) => o !== c && o.x509.checkIssued(c.x509));
    const leaf = parsed.find((c) => !issuesAnother(c)) ?? parsed[0];
    if (!leaf)
        return [];
    const chain = [leaf];
    for (let current = leaf; chain.length < parsed.length;) {
        const issuer = parsed.find((c) => !chain.includes(c) && current.x509.checkIssued(c.x509));
        if (!issuer)
            break;
        chain.push(issuer);
        current = issuer;
    }
    return chain.map((c) => c.der);
}
/** A chain file (PEM, the signing certificate first, then intermediates); one clear message when it is not. */
async function readChainFile(file, input) {
    let certificates;
    try {
        certificates = parseCertificates(await (0,_platform_files_js__WEBPACK_IMPORTED_MODULE_2__/* .readSmallRegularFile */ .qZ)(file));
    }
    catch (error) {
        throw new Error(`${input}: cannot read ${file} as PEM certificates: ${messageOf(error)}`, {
            cause: error,
        });
    }
    if (certificates.length === 0)
        throw new Error(`${input}: ${file} holds no PEM certificate`);
    return certificates;
}
/** The key type a certificate's public key implies (what the CMS signature algorithm follows). */
function keyTypeOf(certificate) {
    const type = new node_crypto__WEBPACK_IMPORTED_MODULE_0__.X509Certificate(certificate).publicKey.asymmetricKeyType;
    if (type === 'rsa')
        return 'rsa';
    if (type === 'ec')
        return 'ecdsa';
    throw new Error(`the signing certificate has a ${type} key; Authenticode here takes RSA or ECDSA keys`);
}
/** JOSE algorithm names, as Key Vault and Artifact Signing take them. */
function joseAlgorithm(keyType, digest) {
    return `${keyType === 'rsa' ? 'RS' : 'ES'}${digest.slice(3)}`;
}
/** A JOSE ECDSA signature (r || s, each the curve's size) as the DER ECDSA-Sig-Value CMS carries. */
function ecdsaJoseToDer(raw) {
    const half = raw.length / 2;
    const integer = (bytes) => {
        let i = 0;
        while (i < bytes.length - 1 && bytes[i] === 0)
            i++;
        const trimmed = Buffer.from(bytes.subarray(i));
        const body = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
        return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body]);
    };
    const body = Buffer.concat([integer(raw.subarray(0, half)), integer(raw.subarray(half))]);
    return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}
function derLength(n) {
    return n < 0x80 ? Buffer.from([n]) : Buffer.from([0x81, n]);
}
function messageOf(error) {
    return error instanceof Error ? error.message : String(error);
}


/***/ }),

/***/ 43518:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   J5: () => (/* binding */ fetchWithRetry),
/* harmony export */   Kg: () => (/* binding */ githubOidcToken),
/* harmony export */   NK: () => (/* binding */ serviceDetail),
/* harmony export */   f6: () => (/* binding */ limitConcurrency),
/* harmony export */   r5: () => (/* binding */ KeySourceError),
/* harmony export */   ue: () => (/* binding */ DEFAULT_REMOTE_POLICY),
/* harmony export */   yy: () => (/* binding */ sleep)
/* harmony export */ });
/* unused harmony exports retryAfterMs, isTransientStatus */
/**
 * What every remote signer needs: a small concurrency limit per service, a time limit per request, 429 and
 * 5xx answered with Retry-After or exponential back-off, and one message per failure that names the
 * service, the input and what to check.
 */
const DEFAULT_REMOTE_POLICY = {
    attempts: 5,
    baseDelayMs: 1_000,
    maxDelayMs: 30_000,
    requestTimeoutMs: 60_000,
    operationTimeoutMs: 300_000,
    maxConcurrency: 4,
};
/** A failure a user can act on: which service, which input, what to check. */
class KeySourceError extends Error {
    constructor(message) {
        super(message);
        this.name = 'KeySourceError';
    }
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Wraps `work` so that at most `limit` calls run at once; the rest queue in call order. */
function limitConcurrency(limit, work) {
    let running = 0;
    const queue = [];
    return async (...args) => {
        if (running >= limit)
            await new Promise((resolve) => queue.push(resolve));
        running++;
        try {
            return await work(...args);
        }
        finally {
            running--;
            queue.shift()?.();
        }
    };
}
/** Retry-After as seconds or an HTTP date (RFC 9110 10.2.3), in milliseconds; undefined when absent or bad. */
function retryAfterMs(header, now = Date.now()) {
    if (!header)
        return undefined;
    const trimmed = header.trim();
    if (/^\d+$/.test(trimmed))
        return Number(trimmed) * 1000;
    const date = Date.parse(trimmed);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
/** Statuses worth another try: throttled, or the service (or a gateway before it) briefly unavailable. */
function isTransientStatus(status) {
    return (status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504);
}
/**
 * One HTTP request with a time limit per try, repeated on 429/5xx and network failures. The last answer
 * comes back whatever its status; a request that never got an answer throws with the last reason.
 */
async function fetchWithRetry(url, init, policy) {
    const wait = policy.wait ?? sleep;
    let lastError;
    for (let attempt = 1; attempt <= policy.attempts; attempt++) {
        let delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
        // Building the request (an access token) fails for its own reasons, which another try does not fix.
        const request = await init();
        try {
            const response = await fetch(url, { ...request, signal: AbortSignal.timeout(policy.requestTimeoutMs) });
            const body = Buffer.from(await response.arrayBuffer());
            if (!isTransientStatus(response.status) || attempt === policy.attempts)
                return { status: response.status, headers: response.headers, body, attempts: attempt };
            delay = Math.min(policy.maxDelayMs, retryAfterMs(response.headers.get('retry-after')) ?? delay);
        }
        catch (error) {
            lastError = error;
            if (attempt === policy.attempts)
                break;
        }
        await wait(delay);
    }
    const reason = lastError instanceof Error
        ? lastError.cause instanceof Error
            ? lastError.cause.message
            : lastError.message
        : String(lastError);
    throw new Error(`no answer after ${policy.attempts} tries (${reason})`);
}
/** The service's own words from an error body (Azure's `{error: {code, message}}` or problem details). */
function serviceDetail(body) {
    const text = body.toString().trim();
    try {
        const json = JSON.parse(text);
        const error = (json.error ?? json);
        const parts = [error.code, error.message ?? json.title ?? json.detail].filter((p) => typeof p === 'string');
        if (parts.length > 0)
            return parts.join(': ').slice(0, 300);
    }
    catch {
        /* not JSON */
    }
    return text.replace(/\s+/g, ' ').slice(0, 300);
}
/**
 * The GitHub Actions OIDC token for `audience` (what @actions/core's getIDToken fetches), or undefined when
 * the job has no `id-token: write` permission. The token is registered as a secret before it is returned.
 */
async function githubOidcToken(env, audience, setSecret, policy) {
    const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
    const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (!url || !bearer)
        throw new KeySourceError('GitHub OIDC: no ID token is available to this job; add `permissions: id-token: write` to the job (or set AZURE_CLIENT_SECRET for a client secret)');
    const answer = await fetchWithRetry(`${url}&audience=${encodeURIComponent(audience)}`, () => ({ headers: { Authorization: `Bearer ${bearer}`, Accept: 'application/json' } }), policy);
    const value = answer.status === 200 ? JSON.parse(answer.body.toString()).value : undefined;
    if (typeof value !== 'string' || value === '')
        throw new KeySourceError(`GitHub OIDC: the token request answered ${answer.status} without a token (${serviceDetail(answer.body)}); check the job's id-token permission`);
    setSecret(value);
    return value;
}


/***/ })

};

//# sourceMappingURL=316.index.js.map