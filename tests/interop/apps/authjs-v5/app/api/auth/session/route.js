// GET /api/auth/session. Unless INTEROP_DEPLOYMENT=algapsa this is Auth.js's own answer (the catch-all's handler).
// With it, AlgaPSA's static route (server/src/app/api/auth/session/route.ts): `auth()` answered as
// `session ?? {}`, 500 {"error":"failed_to_get_session"} on an exception, and GET only (POST is a 405).
import { NextResponse } from "next/server";
import { algapsa, auth, handlers } from "../../../../auth";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request) {
  if (!algapsa()) return handlers.GET(request);
  try {
    const session = await auth();
    return NextResponse.json(session ?? {});
  } catch {
    return NextResponse.json({ error: "failed_to_get_session" }, { status: 500 });
  }
}

export async function POST(request) {
  if (!algapsa()) return handlers.POST(request);
  return new NextResponse(null, { status: 405, headers: { Allow: "GET" } });
}
