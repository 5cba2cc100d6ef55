import type { TimelineEvent } from '../lib/api-types.js'
import { describeEvent } from '../lib/event-text.js'

/** The run's latest events, newest first. */
export function EventList({ events, limit = 60 }: { events: TimelineEvent[]; limit?: number }) {
  const shown = events.slice(-limit).reverse()
  if (shown.length === 0) return <p class="muted">No event yet.</p>
  return (
    <ol class="events" aria-label="Latest events, newest first">
      {shown.map((e) => (
        <li key={e.id} class={`event event-${e.type.replace(/\./g, '-')}`}>
          <time dateTime={e.at}>{new Date(e.at).toLocaleTimeString()}</time> <span>{describeEvent(e)}</span>
        </li>
      ))}
    </ol>
  )
}
