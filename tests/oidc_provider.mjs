// A real OpenID provider for the tests: the `oidc-provider` package (a certified implementation)
// with the test's clients and users and a small login page of its own.
//
//   node tests/oidc_provider.mjs SETTINGS.json
//
// SETTINGS.json: {"port": 4000, "clients": [<oidc-provider client metadata>],
//                 "users": {"<login>": {"password": "...", "claims": {...}, "access_token_seconds": 3600}}}
// Prints "ready <issuer>" once it listens. Consent is granted at once (the clients are the
// operator's own Hub); the login page checks the user's password.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";

import Provider from "oidc-provider";

const settings = JSON.parse(readFileSync(process.argv[2], "utf8"));
const issuer = `http://127.0.0.1:${settings.port}`;
const users = settings.users;

function signingKey() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { ...privateKey.export({ format: "jwk" }), kid: "test-key", use: "sig", alg: "RS256" };
}

async function findAccount(ctx, id) {
  const user = users[id];
  if (!user) return undefined;
  return { accountId: id, claims: async () => ({ sub: id, ...user.claims }) };
}

const provider = new Provider(issuer, {
  clients: settings.clients,
  findAccount,
  jwks: { keys: [signingKey()] },
  cookies: { keys: [randomBytes(16).toString("hex")] },
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "preferred_username"],
    groups: ["groups"],
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  clockTolerance: 0, // expired tokens are refused at once (the default allows 15 s)
  // a user may be given short-lived access tokens (the Hub's session must end with them)
  ttl: {
    AccessToken: (ctx, token) => users[token.accountId]?.access_token_seconds ?? 3600,
    IdToken: 3600,
    Session: 3600,
    Grant: 3600,
    Interaction: 600,
  },
});

const escape = (s) => String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function loginPage(uid, message = "") {
  return `<!doctype html><html><head><title>Test University sign-in</title></head><body>
<h1>Test University</h1>
${message ? `<p id="error">${escape(message)}</p>` : ""}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>User name <input id="username" name="login" autofocus></label>
<label>Password <input id="password" name="password" type="password"></label>
<button id="signin" type="submit">Sign in</button>
</form></body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

async function grantConsent(req, res, details) {
  const { prompt, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, scopes.join(" "));
  }
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === "GET" && details.prompt.name === "consent") return grantConsent(req, res, details);
  if (req.method === "GET") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    return res.end(loginPage(details.uid));
  }
  const form = await readForm(req);
  const login = form.get("login") || "";
  const user = users[login];
  if (!user || user.password !== form.get("password")) {
    res.writeHead(401, { "content-type": "text/html; charset=utf-8" });
    return res.end(loginPage(details.uid, "Wrong user name or password."));
  }
  await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
}

const handle = provider.callback();
const server = http.createServer((req, res) => {
  if (!req.url.startsWith("/interaction/")) return handle(req, res);
  interaction(req, res).catch((err) => {
    res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
    res.end(`interaction failed: ${err.message}\n`);
  });
});
server.listen(settings.port, "127.0.0.1", () => console.log(`ready ${issuer}`));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => process.exit(0)));
