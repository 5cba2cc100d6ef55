import type { PlanView } from '../lib/plan.js'
import { Icon } from './icon.js'

/** A dry-run plan: per cluster, hosts in the order they will be done, with what happens to each. */
export function PlanTable({ plan }: { plan: PlanView }) {
  return (
    <div class="plan">
      {plan.summary && <p>{plan.summary}</p>}
      {plan.problems.length > 0 && (
        <ul class={`alert ${plan.wouldStart === false ? 'alert-error' : 'alert-info'} problems`}>
          {plan.problems.map((p) => (
            <li key={p}>
              <Icon name="warn" /> {p}
            </li>
          ))}
        </ul>
      )}
      {plan.clusters.length === 0 && <p class="muted">No host to plan.</p>}
      {plan.clusters.map((c) => (
        <div class="plan-cluster" key={c.clusterName}>
          <h4>
            Cluster {c.clusterName}
            {c.note && <span class="sub"> · {c.note}</span>}
          </h4>
          <ol>
            {c.hosts.map((h) => (
              <li key={h.hostName} class={h.action === 'skip' ? 'plan-skip' : 'plan-maintain'}>
                <Icon name={h.action === 'skip' ? 'skip' : 'wrench'} />
                <strong>{h.hostName}</strong> <span class="plan-action">{h.action || 'maintain'}</span>
                {h.reason && <span class="sub"> · {h.reason}</span>}
                {h.evacuation && <span class="sub"> · VMs: {h.evacuation}</span>}
              </li>
            ))}
          </ol>
        </div>
      ))}
    </div>
  )
}
