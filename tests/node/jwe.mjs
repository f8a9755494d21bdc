// Encode or decode an Auth.js v5 session token with the real @auth/core, for the Python interop tests.
// usage: node jwe.mjs encode <secret> <salt> <json-claims> | node jwe.mjs decode <secret> <salt> <token>
import { encode, decode } from "@auth/core/jwt"

const [mode, secret, salt, arg] = process.argv.slice(2)
try {
  if (mode === "encode") {
    process.stdout.write(await encode({ token: JSON.parse(arg), secret, salt, maxAge: 3600 }))
  } else if (mode === "decode") {
    process.stdout.write(JSON.stringify(await decode({ token: arg, secret, salt })))
  } else {
    throw new Error(`unknown mode ${mode}`)
  }
} catch (error) {
  process.stderr.write(`${error.name}: ${error.message}\n`)
  process.exit(1)
}
