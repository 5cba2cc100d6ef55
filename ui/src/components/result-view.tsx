import type { CloudStackResult } from '../lib/api-types.js'
import { Icon } from './icon.js'

/** The result in CloudStack's shape (docs/api.md#the-result): summary, hosts updated and skipped, and the JSON itself. */
export function ResultView({ result }: { result: CloudStackResult }) {
  const r = result.rollingmaintenance
  return (
    <div class="result">
      <p class={`result-head ${r.success ? 'tone-ok' : 'tone-bad'}`}>
        <Icon name={r.success ? 'check' : 'cross'} />
        <strong>success: {String(r.success)}</strong> · {r.details}
      </p>
      <div class="result-lists">
        <div>
          <h3>hostsupdated ({r.hostsupdated.length})</h3>
          {r.hostsupdated.length === 0 ? (
            <p class="muted">none</p>
          ) : (
            <ul>
              {r.hostsupdated.map((h) => (
                <li key={h.hostid}>
                  <strong>{h.hostname}</strong>{' '}
                  <span class="sub">
                    {h.startdate} → {h.enddate}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h3>hostsskipped ({r.hostsskipped.length})</h3>
          {r.hostsskipped.length === 0 ? (
            <p class="muted">none</p>
          ) : (
            <ul>
              {r.hostsskipped.map((h) => (
                <li key={h.hostid}>
                  <strong>{h.hostname}</strong> <span class="sub">{h.reason}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
      <details>
        <summary>CloudStack's JSON</summary>
        <pre class="json">{JSON.stringify(result, null, 2)}</pre>
      </details>
    </div>
  )
}
