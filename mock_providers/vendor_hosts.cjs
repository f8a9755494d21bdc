// Node preload: send the identity vendors' hosts to the running mock providers, without network access.
//
// NextAuth's providers call fixed vendor URLs (https://accounts.google.com discovery, https://oauth2.googleapis.com
// tokens, the Entra profile photo at https://graph.microsoft.com/v1.0/me/photos/48x48/$value, ...). Started with
//   NODE_OPTIONS="--require <this file>"  NEXTAUTH_CONFORMANCE_MOCK_URL=http://127.0.0.1:4010
// (`nextauth-conformance mocks` prints both lines), every https request to one of VENDOR_HOSTS goes to the mock
// instead, with the vendor host in X-Forwarded-Host, so the mock answers as that vendor and its URLs stay the
// vendor's. Both ways Node apps make requests are covered: the global fetch (undici; Auth.js v5 / oauth4webapi,
// both libraries' Graph photo fetch) and http(s).request / get (next-auth v4 / openid-client). The app's code is
// unchanged; anything else is left alone. Without NEXTAUTH_CONFORMANCE_MOCK_URL this file does nothing.
"use strict";

const http = require("node:http");
const https = require("node:https");

// The hosts the mock answers for by Host header: spec/providers.yaml's impersonated hosts.
// BEGIN generated from spec/providers.yaml by `python -m mock_providers.node_preload`; a test keeps it current.
const VENDOR_HOSTS = new Set([
  "accounts.google.com",
  "oauth2.googleapis.com",
  "openidconnect.googleapis.com",
  "www.googleapis.com",
  "login.microsoftonline.com",
  "graph.microsoft.com",
]);
// END generated
const ENV = "NEXTAUTH_CONFORMANCE_MOCK_URL";

function mockBase() {
  const raw = process.env[ENV];
  if (!raw) return null;
  try {
    const url = new URL(raw);
    if (url.protocol === "http:" || url.protocol === "https:") return url;
  } catch {}
  process.emitWarning(`${ENV}=${raw} is not an http(s) URL; vendor hosts are not redirected`);
  return null;
}

const mock = mockBase();

// The mock URL for a vendor URL, or null when the URL is not one of the vendors' https origins.
function redirected(url) {
  if (url.protocol !== "https:" || !VENDOR_HOSTS.has(url.hostname) || !["", "443"].includes(url.port)) return null;
  const target = new URL(mock.href);
  target.pathname = target.pathname.replace(/\/+$/, "") + url.pathname;
  target.search = url.search;
  return { target, host: url.hostname };
}

function parse(input) {
  try {
    return new URL(input);
  } catch {
    return null;
  }
}

function patchFetch() {
  const realFetch = globalThis.fetch;
  if (typeof realFetch !== "function") return;
  globalThis.fetch = function fetchViaMock(input, init) {
    const isRequest = typeof input === "object" && input !== null && !(input instanceof URL) && "url" in input;
    const url = parse(isRequest ? input.url : String(input));
    const hit = url && redirected(url);
    if (!hit) return realFetch.call(this, input, init);
    const headers = new Headers(init && init.headers !== undefined ? init.headers : isRequest ? input.headers : {});
    headers.set("x-forwarded-host", hit.host);
    const target = isRequest ? new Request(hit.target, input) : hit.target;
    return realFetch.call(this, target, { ...init, headers });
  };
}

// http.request(url[, options][, callback]) and http.request(options[, callback]) as Node documents them.
function requestArgs(args, defaultProtocol) {
  let url = null;
  let options = {};
  let rest = args;
  if (typeof args[0] === "string" || args[0] instanceof URL) {
    url = parse(String(args[0]));
    rest = args.slice(1);
  }
  if (rest.length && typeof rest[0] === "object" && rest[0] !== null) {
    options = rest[0];
    rest = rest.slice(1);
  }
  if (!url) {
    const host = options.hostname || options.host;
    if (!host) return null;
    const port = options.port ? `:${options.port}` : "";
    url = parse(`${options.protocol || defaultProtocol}//${host}${port}${options.path || "/"}`);
  }
  return url && { url, options, callback: rest.find((a) => typeof a === "function") };
}

function patchRequests() {
  const original = { http: { request: http.request, get: http.get }, https: { request: https.request, get: https.get } };
  for (const [module, protocol] of [
    [http, "http:"],
    [https, "https:"],
  ]) {
    for (const name of ["request", "get"]) {
      module[name] = function requestViaMock(...args) {
        const parsed = requestArgs(args, protocol);
        const hit = parsed && redirected(parsed.url);
        if (!hit) return original[protocol === "https:" ? "https" : "http"][name].apply(this, args);
        const options = { ...parsed.options };
        for (const key of ["protocol", "host", "hostname", "port", "path", "servername", "socketPath"]) delete options[key];
        if (hit.target.protocol !== "https:") delete options.agent; // an https.Agent cannot carry plain http
        const headers = options.headers;
        options.headers = Array.isArray(headers)
          ? [...headers, "x-forwarded-host", hit.host]
          : { ...headers, "x-forwarded-host": hit.host };
        const client = original[hit.target.protocol === "https:" ? "https" : "http"];
        return client[name](hit.target, options, parsed.callback);
      };
    }
  }
}

if (mock) {
  patchFetch();
  patchRequests();
}
