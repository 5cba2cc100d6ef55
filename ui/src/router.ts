import { useEffect, useState } from 'preact/hooks'

export type Route =
  { page: 'fleet' } | { page: 'runs' } | { page: 'run'; id: string } | { page: 'not-found'; path: string }

/** Console pages live under /ui/ (the API serves index.html for all of them); `/` is the fleet. */
export function parseRoute(pathname: string): Route {
  const p = pathname.replace(/\/+$/, '')
  if (p === '' || p === '/ui' || p === '/ui/fleet') return { page: 'fleet' }
  if (p === '/ui/runs') return { page: 'runs' }
  const m = /^\/ui\/runs\/([^/]+)$/.exec(p)
  if (m) return { page: 'run', id: decodeURIComponent(m[1]!) }
  return { page: 'not-found', path: pathname }
}

export const hrefFor = {
  fleet: '/ui/fleet',
  runs: '/ui/runs',
  run: (id: string) => `/ui/runs/${encodeURIComponent(id)}`
}

export function navigate(href: string): void {
  if (href === location.pathname) return
  history.pushState(null, '', href)
  dispatchEvent(new PopStateEvent('popstate'))
}

/** Plain links stay links (open in a new tab works); a normal click moves inside the page. */
export function onLinkClick(e: MouseEvent): void {
  const a = (e.currentTarget as HTMLAnchorElement | null) ?? undefined
  if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
  e.preventDefault()
  navigate(a.getAttribute('href') ?? '/')
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname))
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.pathname))
    addEventListener('popstate', update)
    return () => removeEventListener('popstate', update)
  }, [])
  return route
}
