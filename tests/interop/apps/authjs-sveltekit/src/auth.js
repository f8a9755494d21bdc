// Vanilla Auth.js on SvelteKit (@auth/sveltekit, which always sets skipCSRFCheck: SvelteKit's own Origin check
// guards form POSTs instead). Everything site-specific comes from env vars (see ../README.md), read per request.
import { SvelteKitAuth } from "@auth/sveltekit";
import Credentials from "@auth/sveltekit/providers/credentials";
import Google from "@auth/sveltekit/providers/google";
import Keycloak from "@auth/sveltekit/providers/keycloak";

const DEFAULT_USERS = [
  { id: "demo-user-1", email: "demo@example.com", name: "Demo User", password: "demo-password" },
];

function env(name) {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

function users() {
  const raw = env("INTEROP_USERS");
  return raw ? JSON.parse(raw) : DEFAULT_USERS;
}

function stripSlash(url) {
  return url.replace(/\/+$/, "");
}

function buildProviders() {
  const providers = [
    Credentials({
      id: "credentials",
      name: "Credentials",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials) {
        const user = users().find((u) => u.email === credentials?.email);
        if (!user || user.password !== credentials?.password) return null;
        return { id: String(user.id), email: user.email, name: user.name };
      },
    }),
  ];
  if (env("GOOGLE_CLIENT_ID") && env("GOOGLE_CLIENT_SECRET")) {
    const issuer = env("GOOGLE_ISSUER");
    providers.push(
      Google({
        clientId: env("GOOGLE_CLIENT_ID"),
        clientSecret: env("GOOGLE_CLIENT_SECRET"),
        ...(issuer && { issuer: stripSlash(issuer) }),
      }),
    );
  }
  if (env("KEYCLOAK_CLIENT_ID") && env("KEYCLOAK_CLIENT_SECRET") && env("KEYCLOAK_ISSUER")) {
    providers.push(
      Keycloak({
        clientId: env("KEYCLOAK_CLIENT_ID"),
        clientSecret: env("KEYCLOAK_CLIENT_SECRET"),
        issuer: stripSlash(env("KEYCLOAK_ISSUER")),
      }),
    );
  }
  return providers;
}

export const { handle, signIn, signOut } = SvelteKitAuth(async () => ({
  providers: buildProviders(),
  secret: env("AUTH_SECRET"),
  trustHost: true,
}));
