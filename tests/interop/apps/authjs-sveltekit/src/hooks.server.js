// @auth/sveltekit's handle: the Auth.js routes under /auth (the package's default base path).
export { handle } from "./auth.js";
