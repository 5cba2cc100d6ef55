import { useState } from 'preact/hooks'
import { ApiClient, ApiError } from '../api-client.js'
import type { Session } from '../session.js'

/** Sign-in with an API key pair; nothing is stored until the API has accepted it. */
export function SignIn({ notice, onSignedIn }: { notice: string; onSignedIn(s: Session): void }) {
  const [apiKey, setApiKey] = useState('')
  const [secretKey, setSecretKey] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)

  // A submit handler (`void submit(e)`): every failure ends in the form's error line, none is left to await.
  const submit = async (e: Event) => {
    e.preventDefault()
    setError('')
    if (apiKey.trim() === '' || secretKey === '') {
      setError('Enter both the API key and the secret key.')
      return
    }
    setBusy(true)
    try {
      const creds = { apiKey: apiKey.trim(), secretKey }
      const me = await new ApiClient(creds).whoami()
      onSignedIn({ ...creds, name: me.name, role: me.role })
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setError(
          'Sign-in failed: this API key and secret key do not match any API user. Check both values against the API keys file (on first start the API writes one to .rollmaint/api-keys.yaml).'
        )
      } else {
        setError(err instanceof Error ? err.message : String(err))
      }
    } finally {
      setBusy(false)
    }
  }

  return (
    <main class="signin" id="main">
      <form class="card signin-card" onSubmit={(e) => void submit(e)} aria-describedby="signin-help">
        <h1>rollmaint</h1>
        <p id="signin-help" class="muted">
          Sign in with an API key pair. It is kept for this browser tab only and forgotten when you close it.
        </p>
        {notice && (
          <p class="alert alert-info" role="status">
            {notice}
          </p>
        )}
        <label for="apiKey">API key</label>
        <input
          id="apiKey"
          name="apiKey"
          autoComplete="username"
          spellcheck={false}
          value={apiKey}
          onInput={(e) => setApiKey(e.currentTarget.value)}
          required
        />
        <label for="secretKey">Secret key</label>
        <input
          id="secretKey"
          name="secretKey"
          type="password"
          autoComplete="current-password"
          value={secretKey}
          onInput={(e) => setSecretKey(e.currentTarget.value)}
          required
        />
        {error && (
          <p class="alert alert-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
