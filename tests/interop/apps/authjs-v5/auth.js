// Vanilla Auth.js v5 setup. Everything site-specific comes from env vars (see ../README.md);
// the config is a function, so it is rebuilt per request and reads the env at run time
// (the same lazy form AlgaPSA uses).
import { pbkdf2, randomUUID, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import NextAuth from "next-auth";
import Credentials from "next-auth/providers/credentials";
import Google from "next-auth/providers/google";
import AzureAD from "next-auth/providers/azure-ad";
import Keycloak from "next-auth/providers/keycloak";
import Nodemailer from "next-auth/providers/nodemailer";
import Passkey from "next-auth/providers/passkey";
import { UnstorageAdapter } from "@auth/unstorage-adapter";
import { createStorage } from "unstorage";

const DEFAULT_USERS = [
  { id: "demo-user-1", email: "demo@example.com", name: "Demo User", password: "demo-password" },
];

function env(name) {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

function users() {
  const raw = env("INTEROP_USERS");
  if (!raw) return DEFAULT_USERS;
  const parsed = JSON.parse(raw);
  if (!Array.isArray(parsed)) throw new Error("INTEROP_USERS must be a JSON list");
  return parsed;
}

// A user may carry `passwordHash` instead of `password`: the reference server's stored form
// (`pbkdf2_sha512$<rounds>$<salt>$<hex>`, AlgaPSA's PBKDF2 cost), so a benchmark can give every target the same
// password work (benchmarks/bench_reference.py --peer-passwords hashed).
async function passwordMatches(user, password) {
  if (!user.passwordHash) return user.password === password;
  const [scheme, rounds, salt, hex] = user.passwordHash.split("$");
  const digest = { pbkdf2_sha512: "sha512", pbkdf2_sha256: "sha256" }[scheme];
  if (!digest || !hex) return false;
  const expected = Buffer.from(hex, "hex");
  const derived = await promisify(pbkdf2)(password, salt, Number(rounds), expected.length, digest);
  return timingSafeEqual(derived, expected);
}

function stripSlash(url) {
  return url.replace(/\/+$/, "");
}

// AUTH_CONFORMANCE_CHECKS=none (or a comma list such as "pkce,state") sets Auth.js `checks` on every OAuth
// provider: `checks: ["none"]` is the common "fix" for "state cookie missing" errors, which the harness must fail.
// Unset, the providers keep the library default.
function oauthChecks(provider) {
  const raw = env("AUTH_CONFORMANCE_CHECKS");
  if (raw) return { checks: raw.split(",").map((c) => c.trim()) };
  // AlgaPSA sets azure-ad `checks: ['pkce','state']` (nextAuthOptions.ts), the others keep the default.
  if (algapsa() && provider === "azure-ad") return { checks: ["pkce", "state"] };
  return {};
}

// INTEROP_DEPLOYMENT=algapsa configures the app the way AlgaPSA configures Auth.js v5 (shared research
// algapsa.md): jwt sessions with maxAge 86400, the jwt/session callbacks' claims (id, username, tenant, user_type,
// session_id, login_method, ...), a sessions "table" whose revoked rows end a session on the next jwt callback
// (revoked at sign-out), azure-ad checks pkce+state, GET session from a static route answering `session ?? {}`
// (app/api/auth/session/route.js) and a Gmail-style popup callback page (app/api/auth/google/callback/route.js).
// Not modelled: pages.signIn/signOut (/auth/signin; no profile fact describes that redirect), tenants, 2FA.
export function algapsa() {
  return env("INTEROP_DEPLOYMENT") === "algapsa";
}

const ALGAPSA_TENANT = "0b5e3c1a-7d2f-4e8b-9a6c-1f2e3d4c5b6a";
// One "sessions table" per process: the catch-all and the static session route are separate bundles.
globalThis.interopRevokedSessions ??= new Set();

function tenantSlug(tenant) {
  const hex = tenant.replaceAll("-", "").toLowerCase();
  return hex.slice(0, 6) + hex.slice(-6);
}

const algapsaCallbacks = {
  async jwt({ token, user, account }) {
    if (user) {
      token.id = user.id ?? token.sub;
      token.username = (user.email ?? "").split("@")[0];
      token.tenant = ALGAPSA_TENANT;
      token.tenantSlug = tenantSlug(ALGAPSA_TENANT);
      token.user_type = "internal";
      token.contactId = null;
      token.proToken = "";
      token.session_id = randomUUID();
      token.login_method = account?.provider ?? "credentials";
    }
    // rejectRevokedOrUnverifiableSession: fail closed on missing claims or a revoked row.
    const known = token.tenant && token.session_id && (token.id || token.sub);
    if (!known || !["internal", "client"].includes(token.user_type)) return null;
    if (globalThis.interopRevokedSessions.has(token.session_id)) return null;
    return token;
  },
  async session({ session, token }) {
    session.user = {
      ...session.user,
      id: token.id || token.sub || "",
      email: token.email || "",
      name: token.name || "",
      username: token.username ?? "",
      proToken: token.proToken ?? "",
      tenant: token.tenant,
      tenantSlug: token.tenantSlug ?? tenantSlug(token.tenant),
      user_type: token.user_type,
      contactId: token.contactId ?? null,
      image: token.picture || "/image/avatar-purple-big.png",
      plan: "pro",
      product_code: "psa",
      addons: [],
      trial_end: null,
      subscription_status: null,
      solo_pro_trial_end: null,
    };
    if (token.session_id) session.session_id = token.session_id;
    if (token.login_method) session.login_method = token.login_method;
    return session;
  },
};

function algapsaConfig() {
  if (!algapsa()) return {};
  return {
    callbacks: algapsaCallbacks,
    events: {
      async signOut(message) {
        if (message?.token?.session_id) globalThis.interopRevokedSessions.add(message.token.session_id);
      },
    },
  };
}

// INTEROP_CREDENTIALS=off leaves the credentials provider out: an OAuth-only app (Auth.js refuses Credentials
// with database sessions).
function credentialsProviders() {
  if (env("INTEROP_CREDENTIALS") === "off") return [];
  return [
    Credentials({
      id: "credentials",
      name: "Credentials",
      credentials: {
        email: { label: "Email", type: "email" },
        password: { label: "Password", type: "password" },
      },
      async authorize(credentials) {
        const email = credentials?.email;
        const password = credentials?.password;
        if (!email || !password) return null;
        const user = users().find((u) => u.email === email);
        if (!user || !(await passwordMatches(user, password))) return null;
        return { id: String(user.id), email: user.email, name: user.name };
      },
    }),
  ];
}

// INTEROP_ADAPTER=memory gives the app a real Auth.js adapter (@auth/unstorage-adapter on unstorage's in-memory
// driver, one store per process): what database sessions, email sign-in and passkeys need.
let memoryAdapter;
function adapter() {
  if (env("INTEROP_ADAPTER") !== "memory") return {};
  memoryAdapter ??= UnstorageAdapter(createStorage());
  // INTEROP_BREAK_SIGNOUT=keep-session, a test-only breakage: sign-out clears the cookie but keeps the session row.
  if (env("INTEROP_BREAK_SIGNOUT") === "keep-session") return { adapter: { ...memoryAdapter, deleteSession: async () => null } };
  return { adapter: memoryAdapter };
}

function buildProviders() {
  const providers = credentialsProviders();

  if (env("GOOGLE_CLIENT_ID") && env("GOOGLE_CLIENT_SECRET")) {
    const issuer = env("GOOGLE_ISSUER");
    providers.push(
      Google({
        clientId: env("GOOGLE_CLIENT_ID"),
        clientSecret: env("GOOGLE_CLIENT_SECRET"),
        ...(issuer && { issuer: stripSlash(issuer) }),
        ...oauthChecks("google"),
      }),
    );
  }

  if (env("AZURE_AD_CLIENT_ID") && env("AZURE_AD_CLIENT_SECRET")) {
    const issuer = env("AZURE_AD_ISSUER");
    providers.push(
      // The deprecated azure-ad alias of MicrosoftEntraID: id "azure-ad", name "Azure Active Directory".
      AzureAD({
        clientId: env("AZURE_AD_CLIENT_ID"),
        clientSecret: env("AZURE_AD_CLIENT_SECRET"),
        ...(issuer && { issuer: stripSlash(issuer) }),
        ...oauthChecks("azure-ad"),
      }),
    );
  }

  if (env("KEYCLOAK_CLIENT_ID") && env("KEYCLOAK_CLIENT_SECRET") && env("KEYCLOAK_ISSUER")) {
    providers.push(
      Keycloak({
        clientId: env("KEYCLOAK_CLIENT_ID"),
        clientSecret: env("KEYCLOAK_CLIENT_SECRET"),
        issuer: stripSlash(env("KEYCLOAK_ISSUER")),
        ...oauthChecks("keycloak"),
      }),
    );
  }
  // EMAIL_SERVER (smtp://..., the mocks' inbox; needs INTEROP_ADAPTER=memory) adds magic-link sign-in;
  // EMAIL_MAX_AGE (seconds, default Auth.js's day) shortens the links' life so a harness can wait one out;
  // EMAIL_NORMALIZE=off takes the address as typed (a custom normalizeIdentifier), the fault EMAIL-009/010 find.
  if (env("EMAIL_SERVER")) {
    const maxAge = env("EMAIL_MAX_AGE");
    providers.push(
      Nodemailer({
        server: env("EMAIL_SERVER"),
        from: env("EMAIL_FROM") ?? "noreply@example.com",
        ...(maxAge && { maxAge: Number(maxAge) }),
        ...(env("EMAIL_NORMALIZE") === "off" && { normalizeIdentifier: (identifier) => identifier }),
      }),
    );
  }
  // INTEROP_PASSKEY=on adds the Passkey provider (with INTEROP_ADAPTER=memory: WebAuthn keeps authenticators there).
  if (env("INTEROP_PASSKEY") === "on") providers.push(Passkey);
  return providers;
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => ({
  providers: buildProviders(),
  ...adapter(),
  ...(env("INTEROP_PASSKEY") === "on" && { experimental: { enableWebAuthn: true } }),
  // INTEROP_SESSION_STRATEGY=database keeps sessions in the adapter (opaque session token); default "jwt".
  session: { strategy: env("INTEROP_SESSION_STRATEGY") ?? "jwt", ...(algapsa() && { maxAge: 86400 }) },
  ...algapsaConfig(),
  secret: env("AUTH_SECRET") ?? env("NEXTAUTH_SECRET"),
  trustHost: true,
}));
