// Vanilla next-auth v4 catch-all route. Everything site-specific comes from env vars
// (see ../../README.md); the options are rebuilt per request so the env is read at run time.
import { pbkdf2, randomUUID, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import NextAuth from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import GoogleProvider from "next-auth/providers/google";
import AzureADProvider from "next-auth/providers/azure-ad";
import KeycloakProvider from "next-auth/providers/keycloak";
import EmailProvider from "next-auth/providers/email";

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

function buildProviders() {
  const providers = [
    CredentialsProvider({
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

  if (env("GOOGLE_CLIENT_ID") && env("GOOGLE_CLIENT_SECRET")) {
    const issuer = env("GOOGLE_ISSUER");
    providers.push(
      GoogleProvider({
        clientId: env("GOOGLE_CLIENT_ID"),
        clientSecret: env("GOOGLE_CLIENT_SECRET"),
        ...(issuer && {
          issuer: stripSlash(issuer),
          wellKnown: `${stripSlash(issuer)}/.well-known/openid-configuration`,
        }),
      }),
    );
  }

  if (env("AZURE_AD_CLIENT_ID") && env("AZURE_AD_CLIENT_SECRET")) {
    const issuer = env("AZURE_AD_ISSUER");
    const wellKnown =
      env("AZURE_AD_WELLKNOWN") ?? (issuer && `${stripSlash(issuer)}/.well-known/openid-configuration`);
    providers.push(
      AzureADProvider({
        clientId: env("AZURE_AD_CLIENT_ID"),
        clientSecret: env("AZURE_AD_CLIENT_SECRET"),
        ...(env("AZURE_AD_TENANT_ID") && { tenantId: env("AZURE_AD_TENANT_ID") }),
        ...(issuer && { issuer: stripSlash(issuer) }),
        ...(wellKnown && { wellKnown }),
      }),
    );
  }

  if (env("KEYCLOAK_CLIENT_ID") && env("KEYCLOAK_CLIENT_SECRET") && env("KEYCLOAK_ISSUER")) {
    providers.push(
      KeycloakProvider({
        clientId: env("KEYCLOAK_CLIENT_ID"),
        clientSecret: env("KEYCLOAK_CLIENT_SECRET"),
        issuer: stripSlash(env("KEYCLOAK_ISSUER")),
      }),
    );
  }
  // EMAIL_SERVER (smtp://..., the mocks' inbox) adds magic-link sign-in with the in-memory adapter below;
  // EMAIL_MAX_AGE (seconds, default a day) shortens the links' life so a harness can wait one out.
  if (env("EMAIL_SERVER")) {
    const maxAge = env("EMAIL_MAX_AGE");
    providers.push(
      EmailProvider({
        server: env("EMAIL_SERVER"),
        from: env("EMAIL_FROM") ?? "noreply@example.com",
        ...(maxAge && { maxAge: Number(maxAge) }),
      }),
    );
  }
  return providers;
}

// v4 has no packaged in-memory adapter: the users, accounts and verification tokens email sign-in needs, kept in
// this process (the Adapter interface of next-auth 4 adapters.ts; sessions stay JWTs).
let memoryAdapter;
function emailAdapter() {
  if (!env("EMAIL_SERVER")) return {};
  if (!memoryAdapter) {
    const users = new Map();
    const accounts = new Map();
    const tokens = new Map();
    const byEmail = (email) => [...users.values()].find((u) => u.email === email) ?? null;
    memoryAdapter = {
      async createUser(user) {
        const created = { ...user, id: randomUUID() };
        users.set(created.id, created);
        return created;
      },
      getUser: async (id) => users.get(id) ?? null,
      getUserByEmail: async (email) => byEmail(email),
      getUserByAccount: async ({ provider, providerAccountId }) =>
        users.get(accounts.get(`${provider}:${providerAccountId}`)?.userId) ?? null,
      async updateUser(user) {
        const updated = { ...users.get(user.id), ...user };
        users.set(updated.id, updated);
        return updated;
      },
      async linkAccount(account) {
        accounts.set(`${account.provider}:${account.providerAccountId}`, account);
        return account;
      },
      async createVerificationToken(token) {
        tokens.set(`${token.identifier}:${token.token}`, token);
        return token;
      },
      async useVerificationToken({ identifier, token }) {
        const key = `${identifier}:${token}`;
        const found = tokens.get(key) ?? null;
        tokens.delete(key);
        return found;
      },
    };
  }
  return { adapter: memoryAdapter };
}

export function buildAuthOptions() {
  return {
    providers: buildProviders(),
    ...emailAdapter(),
    session: { strategy: "jwt" },
    secret: env("NEXTAUTH_SECRET") ?? env("AUTH_SECRET"),
  };
}

export default function auth(req, res) {
  return NextAuth(req, res, buildAuthOptions());
}
