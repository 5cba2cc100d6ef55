import { useEffect, useMemo, useState } from 'preact/hooks'
import { ApiClient } from './api-client.js'
import { Link } from './components/link.js'
import { capabilitiesFromOpenApi, NO_CAPABILITIES, type Capabilities } from './lib/capabilities.js'
import { FleetPage } from './pages/fleet-page.js'
import { RunPage } from './pages/run-page.js'
import { RunsPage } from './pages/runs-page.js'
import { SignIn } from './pages/sign-in.js'
import { hrefFor, navigate, useRoute } from './router.js'
import { clearSession, loadSession, saveSession, type Session } from './session.js'

export interface PageProps {
  api: ApiClient
  session: Session
  caps: Capabilities
  /** Called when the API no longer accepts the key (401): back to the sign-in form. */
  onAuthLost(message: string): void
}

export function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession)
  const [notice, setNotice] = useState('')
  const [caps, setCaps] = useState<Capabilities>(NO_CAPABILITIES)
  const route = useRoute()
  const api = useMemo(() => (session ? new ApiClient(session) : undefined), [session])

  useEffect(() => {
    if (!api) return
    // The server's own OpenAPI document says which operator controls (docs/api.md#operator-controls) it has.
    api.openApi().then(
      (doc) => setCaps(capabilitiesFromOpenApi(doc)),
      () => setCaps(NO_CAPABILITIES)
    )
  }, [api])

  useEffect(() => {
    const title = route.page === 'run' ? `Run ${route.id.slice(0, 8)}` : route.page === 'runs' ? 'Runs' : 'Fleet'
    document.title = `${title} · rollmaint`
  }, [route])

  if (!session || !api) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(s) => {
          saveSession(s)
          setNotice('')
          setSession(s)
        }}
      />
    )
  }

  const signOut = (message = '') => {
    clearSession()
    setNotice(message)
    setSession(undefined)
  }
  const props: PageProps = { api, session, caps, onAuthLost: (m) => signOut(m) }

  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link href={hrefFor.fleet} class="brand">
          rollmaint
        </Link>
        <nav aria-label="Main">
          <ul>
            <li>
              <Link href={hrefFor.fleet} class={route.page === 'fleet' ? 'current' : ''}>
                Fleet
              </Link>
            </li>
            <li>
              <Link href={hrefFor.runs} class={route.page === 'runs' || route.page === 'run' ? 'current' : ''}>
                Runs
              </Link>
            </li>
            {session.role === 'admin' && (
              <li>
                <a href="/admin/queues" target="_blank" rel="noopener" title="Bull Board (asks for the same key pair)">
                  Bull Board
                </a>
              </li>
            )}
            <li>
              <a href="/docs" target="_blank" rel="noopener" title="OpenAPI (asks for the same key pair)">
                API docs
              </a>
            </li>
          </ul>
        </nav>
        <div class="user">
          <span class="who">
            {session.name} <span class="role">({session.role})</span>
          </span>
          <button type="button" class="btn btn-quiet" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {route.page === 'fleet' && <FleetPage {...props} />}
        {route.page === 'runs' && <RunsPage {...props} />}
        {route.page === 'run' && <RunPage key={route.id} id={route.id} {...props} />}
        {route.page === 'not-found' && (
          <section>
            <h1>Not found</h1>
            <p>
              There is no console page at <code>{route.path}</code>.{' '}
              <button type="button" class="btn" onClick={() => navigate(hrefFor.fleet)}>
                Go to the fleet
              </button>
            </p>
          </section>
        )}
      </main>
    </div>
  )
}
