// Node preload for the interop apps: send Microsoft Graph calls to the mock's Graph stand-in.
//
// next-auth v4's AzureADProvider and Auth.js v5's MicrosoftEntraID fetch the profile photo from the
// hard-coded https://graph.microsoft.com/v1.0/me/photos/48x48/$value; without network access that fetch
// rejects and fails the sign-in. Load this file with
//   NODE_OPTIONS="--require /path/to/graph_to_mock.cjs"  MOCK_GRAPH_BASE_URL=https://127.0.0.1:PORT/graph
// (plus NODE_EXTRA_CA_CERTS=<mock CA> for an https base) and every global fetch() whose URL starts with
// https://graph.microsoft.com/ goes to MOCK_GRAPH_BASE_URL instead. Nothing else is touched; the app's
// code is unchanged. Without MOCK_GRAPH_BASE_URL this file does nothing.
"use strict";

const GRAPH = "https://graph.microsoft.com/";
const base = (process.env.MOCK_GRAPH_BASE_URL || "").replace(/\/+$/, "");

if (base && typeof globalThis.fetch === "function") {
  const realFetch = globalThis.fetch;
  const rewrite = (url) => (url.startsWith(GRAPH) ? `${base}/${url.slice(GRAPH.length)}` : null);
  globalThis.fetch = function fetchViaGraphMock(input, init) {
    if (typeof input === "string" || input instanceof URL) {
      const target = rewrite(String(input));
      if (target) return realFetch.call(this, target, init);
    } else if (input && typeof input.url === "string") {
      const target = rewrite(input.url);
      if (target) return realFetch.call(this, new Request(target, input), init);
    }
    return realFetch.call(this, input, init);
  };
}
