import { useState } from "preact/hooks";
import { api, ApiError } from "../api.js";
import { forgetToken, rememberToken } from "../auth.js";

/** Asks for the server's token once; it is kept for this tab only (sessionStorage), never in the URL. */
export function Login({ onDone }: { onDone(): void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string>();
  const submit = async (event: Event) => {
    event.preventDefault();
    rememberToken(token.trim());
    try {
      await api.sessions();
      onDone();
    } catch (e) {
      forgetToken();
      setError(e instanceof ApiError && e.status === 401 ? "That token is not known to this server." : (e as Error).message);
    }
  };
  return (
    <section aria-labelledby="login-title" class="login">
      <h1 id="login-title">Sign in</h1>
      <p>This server needs a token (made with <code>session-events token add</code>). It is kept for this tab only.</p>
      <form onSubmit={submit}>
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="off" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        <button type="submit">Sign in</button>
      </form>
      {error && (
        <p role="alert" class="error-note">
          {error}
        </p>
      )}
    </section>
  );
}
