import { useEffect, useRef, useState } from 'preact/hooks'
import type { PageProps } from '../app.js'
import { ApiError } from '../api-client.js'
import type { FleetView } from '../lib/api-types.js'
import { localPlan, planView, type PlanView } from '../lib/plan.js'
import { describeScope, hostsInScope, type ScopeSelection } from '../lib/scope.js'
import { buildStartBody, emptyStartForm, WEEK_DAYS, type StartForm } from '../lib/start-form.js'
import { hrefFor, navigate } from '../router.js'
import { PlanTable } from '../components/plan-table.js'

interface Props extends PageProps {
  fleet: FleetView
  scope: ScopeSelection
  onScopeChange(s: ScopeSelection): void
  onClose(): void
}

type Preview = { body: string; plan: PlanView; local: boolean }

/**
 * CloudStack's "Start Rolling Maintenance" fields plus the operator controls (docs/api.md#operator-controls). The start button appears
 * only under a preview of exactly what is in the form; changing anything asks for a new preview.
 */
export function StartDialog({ api, caps, fleet, scope, onClose, onAuthLost }: Props) {
  const ref = useRef<HTMLDialogElement>(null)
  const previewRef = useRef<HTMLElement>(null)
  const [form, setForm] = useState<StartForm>(() =>
    emptyStartForm(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC')
  )
  const [preview, setPreview] = useState<Preview | undefined>(undefined)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    const d = ref.current
    if (d && !d.open) d.showModal()
  }, [])

  // A new plan is what the operator asked to see: bring it into view.
  useEffect(() => previewRef.current?.scrollIntoView({ block: 'start' }), [preview])

  const built = buildStartBody(scope, form, caps)
  const bodyKey = 'body' in built ? JSON.stringify(built.body) : ''
  const previewCurrent = preview !== undefined && preview.body === bodyKey
  const set = <K extends keyof StartForm>(key: K, value: StartForm[K]) => setForm((f) => ({ ...f, [key]: value }))

  const fail = (err: unknown) => {
    if (err instanceof ApiError && err.status === 401)
      onAuthLost('The API no longer accepts this key pair; sign in again.')
    else setError(err instanceof Error ? err.message : String(err))
  }

  // runPreview and start are click handlers (`void start()`): every failure goes to fail(), none is left to await.
  const runPreview = async () => {
    setError('')
    if ('error' in built) return setError(built.error)
    setBusy(true)
    try {
      if (caps.dryRun) setPreview({ body: bodyKey, plan: planView(await api.dryRun(built.body)), local: false })
      else setPreview({ body: bodyKey, plan: localPlan(fleet, scope), local: true })
    } catch (err) {
      fail(err)
    } finally {
      setBusy(false)
    }
  }

  const start = async () => {
    setError('')
    if ('error' in built) return setError(built.error)
    setBusy(true)
    try {
      const run = await api.start(built.body)
      onClose()
      navigate(hrefFor.run(run.id))
    } catch (err) {
      fail(err)
      setBusy(false)
    }
  }

  const hosts = hostsInScope(fleet, scope)
  const controlsMissing = !caps.maxFailures && !caps.canary && !caps.soakSeconds && !caps.window

  return (
    <dialog ref={ref} class="dialog" aria-labelledby="start-title" onClose={onClose} onCancel={onClose}>
      <form method="dialog" class="dialog-body" onSubmit={(e) => e.preventDefault()}>
        <header class="dialog-head">
          <h2 id="start-title">Start rolling maintenance</h2>
          <button type="button" class="btn btn-quiet" onClick={onClose} aria-label="Close the dialog">
            Close
          </button>
        </header>
        <fieldset>
          <legend>Scope</legend>
          {hosts.length === 0 ? (
            <p class="alert alert-info">Nothing picked yet: tick zones, pods, clusters or hosts on the fleet page.</p>
          ) : (
            <p>
              {describeScope(fleet, scope)} — <strong>{hosts.length} hosts</strong>
            </p>
          )}
        </fieldset>
        <fieldset>
          <legend>Run</legend>
          <div class="check">
            <input
              id="forced"
              type="checkbox"
              checked={form.forced}
              onChange={(e) => set('forced', e.currentTarget.checked)}
            />
            <label for="forced">Forced: skip hosts that fail and go on</label>
          </div>
          <label for="timeout">Stage timeout (seconds)</label>
          <input
            id="timeout"
            inputMode="numeric"
            placeholder="server default"
            value={form.timeout}
            onInput={(e) => set('timeout', e.currentTarget.value)}
          />
          <label for="payload">Payload (passed to every stage script as $1)</label>
          <textarea
            id="payload"
            rows={2}
            spellcheck={false}
            value={form.payload}
            onInput={(e) => set('payload', e.currentTarget.value)}
          />
        </fieldset>
        <fieldset>
          <legend>Operator controls</legend>
          {controlsMissing && <p class="muted">This server does not offer max failures, canary, soak or window yet.</p>}
          <div class="grid2">
            {caps.maxFailures && (
              <div>
                <label for="maxFailures">Max failures before stopping</label>
                <input
                  id="maxFailures"
                  inputMode="numeric"
                  placeholder="0"
                  value={form.maxFailures}
                  onInput={(e) => set('maxFailures', e.currentTarget.value)}
                />
              </div>
            )}
            {caps.canary && (
              <div>
                <label for="canary">Canary: pause after this many hosts</label>
                <input
                  id="canary"
                  inputMode="numeric"
                  placeholder="off"
                  value={form.canary}
                  onInput={(e) => set('canary', e.currentTarget.value)}
                />
              </div>
            )}
            {caps.soakSeconds && (
              <div>
                <label for="soakSeconds">Soak after each host (seconds)</label>
                <input
                  id="soakSeconds"
                  inputMode="numeric"
                  placeholder="0"
                  value={form.soakSeconds}
                  onInput={(e) => set('soakSeconds', e.currentTarget.value)}
                />
              </div>
            )}
          </div>
          {caps.window && (
            <div class="window">
              <div class="check">
                <input
                  id="windowOn"
                  type="checkbox"
                  checked={form.windowOn}
                  onChange={(e) => set('windowOn', e.currentTarget.checked)}
                />
                <label for="windowOn">Start hosts only inside a maintenance window</label>
              </div>
              {form.windowOn && (
                <>
                  <div class="days" role="group" aria-label="Window days">
                    {WEEK_DAYS.map((d) => (
                      <label class="day" key={d}>
                        <input
                          type="checkbox"
                          checked={form.windowDays.includes(d)}
                          onChange={(e) =>
                            set(
                              'windowDays',
                              e.currentTarget.checked
                                ? WEEK_DAYS.filter((x) => x === d || form.windowDays.includes(x))
                                : form.windowDays.filter((x) => x !== d)
                            )
                          }
                        />
                        {d}
                      </label>
                    ))}
                  </div>
                  <div class="grid3">
                    <div>
                      <label for="windowStart">Opens</label>
                      <input
                        id="windowStart"
                        type="time"
                        value={form.windowStart}
                        onInput={(e) => set('windowStart', e.currentTarget.value)}
                      />
                    </div>
                    <div>
                      <label for="windowEnd">Closes</label>
                      <input
                        id="windowEnd"
                        type="time"
                        value={form.windowEnd}
                        onInput={(e) => set('windowEnd', e.currentTarget.value)}
                      />
                    </div>
                    <div>
                      <label for="windowTimezone">Time zone</label>
                      <input
                        id="windowTimezone"
                        value={form.windowTimezone}
                        onInput={(e) => set('windowTimezone', e.currentTarget.value)}
                      />
                    </div>
                  </div>
                </>
              )}
            </div>
          )}
        </fieldset>
        {error && (
          <p class="alert alert-error" role="alert">
            {error}
          </p>
        )}
        {preview && (
          <section class="preview" aria-labelledby="preview-title" ref={previewRef}>
            <h3 id="preview-title">Plan{previewCurrent ? '' : ' (out of date: preview again)'}</h3>
            {preview.local && (
              <p class="muted">
                This server has no dry run: the plan shows the host checks only; PreFlight runs when the run starts.
              </p>
            )}
            <PlanTable plan={preview.plan} />
            {previewCurrent && preview.plan.wouldStart === false && (
              <p class="muted">The server would not start this run: see above.</p>
            )}
          </section>
        )}
        <footer class="dialog-foot">
          <button type="button" class="btn" disabled={busy || hosts.length === 0} onClick={() => void runPreview()}>
            {previewCurrent ? 'Preview again' : 'Preview plan'}
          </button>
          {previewCurrent && preview.plan.wouldStart !== false && (
            <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void start()}>
              Start maintenance
            </button>
          )}
        </footer>
      </form>
    </dialog>
  )
}
