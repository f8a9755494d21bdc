export default function Home() {
  return (
    <main>
      <h1>Auth.js v5 interop app</h1>
      <p>
        <a href="/api/auth/signin">Sign in</a> · <a href="/api/auth/session">Session</a>
      </p>
    </main>
  );
}
