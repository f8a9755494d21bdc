// GET /api/auth/google/callback. Unless INTEROP_DEPLOYMENT=algapsa this is Auth.js's own answer (the catch-all's
// handler). With it, a popup callback page shaped like AlgaPSA's Gmail one (server/src/app/api/auth/google/
// callback/route.ts): 200 HTML that posts {type:'oauth-callback', provider:'google', success, ...} to its opener
// and closes, with a readable fallback after 100 ms. Unlike AlgaPSA's Gmail page it posts to its own origin
// (as AlgaPSA's MCP page does) and hands over no tokens: the correct variant the conformance checks expect.
import { algapsa, handlers } from "../../../../../auth";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

function page(payload) {
  const encoded = Buffer.from(JSON.stringify(payload)).toString("base64");
  const heading = payload.success ? "Google OAuth Success" : "Google OAuth Error";
  const html = `<!doctype html><html><head><title>Google OAuth Callback</title></head><body><h3>${heading}</h3>
<script>
var payload = JSON.parse(atob('${encoded}'));
var target = window.opener || window.parent;
if (target && target !== window) target.postMessage(payload, window.location.origin);
window.close();
setTimeout(function () {
  var p = document.createElement('p'); p.textContent = 'You can close this window.'; document.body.appendChild(p);
  var pre = document.createElement('pre'); pre.textContent = JSON.stringify(payload, null, 2); document.body.appendChild(pre);
}, 100);
</script></body></html>`;
  return new Response(html, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function failure(error, errorDescription) {
  return page({ type: "oauth-callback", provider: "google", success: false, error, errorDescription });
}

// The page's own URL as the browser sees it (the redirect_uri the code was issued for): the scheme of AUTH_URL
// (a TLS terminator in front), the Host the browser sent.
function pageUrl(request) {
  const scheme = new URL(process.env.AUTH_URL || process.env.NEXTAUTH_URL || request.url).protocol;
  return `${scheme}//${request.headers.get("host")}/api/auth/google/callback`;
}

async function redeem(code, redirectUri) {
  const issuer = (process.env.GOOGLE_ISSUER || "https://accounts.google.com").replace(/\/+$/, "");
  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: redirectUri,
    client_id: process.env.GOOGLE_CLIENT_ID ?? "",
    client_secret: process.env.GOOGLE_CLIENT_SECRET ?? "",
  });
  const answer = await fetch(discovery.token_endpoint, { method: "POST", body });
  return answer.ok ? await answer.json() : null;
}

export async function GET(request) {
  if (!algapsa()) return handlers.GET(request);
  const query = new URL(request.url).searchParams;
  if (query.get("error")) return failure(query.get("error"), "Google authorization failed. Please try again.");
  const code = query.get("code");
  if (!code || !query.get("state")) return failure("missing_parameters", "Authorization code or state parameter is missing");
  try {
    const tokens = await redeem(code, pageUrl(request));
    if (!tokens?.access_token) return failure("token_exchange_failed", "Failed to exchange the authorization code");
    const expiresAt = new Date(Date.now() + 1000 * Number(tokens.expires_in ?? 3600)).toISOString();
    return page({ type: "oauth-callback", provider: "google", success: true, data: { expiresAt } });
  } catch {
    return failure("unexpected_error", "An unexpected error occurred");
  }
}

export async function POST(request) {
  if (!algapsa()) return handlers.POST(request);
  return new Response(null, { status: 405, headers: { Allow: "GET" } });
}
