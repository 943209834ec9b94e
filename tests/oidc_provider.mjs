// A real OpenID Provider (the certified `oidc-provider` package) for the sign-in tests, on loopback.
// Started by the `oidc_provider` fixture (tests/oidc_support.py): `node tests/oidc_provider.mjs <port> <redirect_uri>`.
// Prints "ready" once it listens. Users sign in without a form: the test opens the interaction URL with
// `?as=<login>` (the provider's own login page is not what kfflow is tested for).
// Endpoints under /test/ let a test change what the provider does, the way an IdP admin would:
//   POST /test/groups {login, groups}        change a user's groups
//   POST /test/rotate                        a new signing key (the old one is gone from the JWKS)
//   POST /test/tamper {aud|exp|nonce: ...}   the next ID token carries these claims, signed with the real key
//   POST /test/reset                         the users as below, no tampering
import http from 'node:http';
import { createRequire } from 'node:module';

// Installed project-locally by the Makefile (tests/.node), like axe-core.
const require = createRequire(new URL('./.node/node_modules/', import.meta.url));
const { default: Provider } = await import(require.resolve('oidc-provider'));
const jose = require('jose');

const [port, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const postLogoutRedirectUri = new URL('/logga-in', redirectUri).href;

const initialUsers = {
  anna: { name: 'Anna Andersson', email: 'anna@region.example', groups: ['kfflow-styrgrupp', 'personal'] },
  bertil: { name: 'Bertil Berg', email: 'bertil@region.example', groups: ['personal'] },
  cecilia: { name: 'Cecilia Carlsson', email: 'cecilia@region.example', groups: ['kfflow-medarbetare'] },
};

async function newKey() {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid: `key-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`, alg: 'RS256', use: 'sig' };
}

let users = structuredClone(initialUsers);
let signingKey = await newKey();
let tamper = null;

function makeProvider() {
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'kfflow',
      client_secret: 'kfflow-test-secret',
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [postLogoutRedirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['kfflow-test-cookie-key'] },
    pkce: { methods: ['S256'], required: () => true },
    scopes: ['openid', 'profile', 'email'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'groups'], email: ['email'] },
    // The scope's claims go into the ID token itself, as Entra ID and Keycloak do with a groups claim.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    findAccount: (ctx, id) => (users[id] ? {
      accountId: id,
      claims: () => ({ sub: id, preferred_username: id, ...users[id] }),
    } : undefined),
    // A first-party client: every scope it asks for is granted without a consent page.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid profile email');
      await grant.save();
      return grant;
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  });
  provider.use(async (ctx, next) => {
    if (ctx.path.startsWith('/interaction/')) {
      const login = ctx.query.as;
      await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
      ctx.respond = false;
      return;
    }
    await next();
    if (ctx.path === '/token' && tamper && ctx.body?.id_token) {
      const claims = { ...jose.decodeJwt(ctx.body.id_token), ...tamper };
      const key = await jose.importJWK(signingKey, 'RS256');
      ctx.body = { ...ctx.body, id_token: await new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: signingKey.kid }).sign(key) };
      tamper = null;
    }
  });
  return provider;
}

let provider = makeProvider();

function readJson(req) {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(body ? JSON.parse(body) : {}));
  });
}

const server = http.createServer(async (req, res) => {
  if (req.url.startsWith('/test/')) {
    const body = await readJson(req);
    if (req.url === '/test/groups') users[body.login].groups = body.groups;
    if (req.url === '/test/rotate') { signingKey = await newKey(); provider = makeProvider(); }
    if (req.url === '/test/tamper') tamper = body;
    if (req.url === '/test/reset') { users = structuredClone(initialUsers); tamper = null; }
    res.writeHead(204).end();
    return;
  }
  provider.callback()(req, res);
});
server.listen(Number(port), '127.0.0.1', () => console.log('ready'));
