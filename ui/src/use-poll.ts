import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from './api-client.js'

/**
 * Loads `load()` now and every `intervalMs` (0: once) while the page is shown. A 401 means the key
 * was removed or changed on the server: `onAuthLost` takes the user back to the sign-in form.
 */
export function usePoll<T>(
  load: () => Promise<T>,
  intervalMs: number,
  onAuthLost: (message: string) => void,
  deps: unknown[] = []
) {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState('')
  const loadRef = useRef(load)
  loadRef.current = load
  const authLostRef = useRef(onAuthLost)
  authLostRef.current = onAuthLost
  const seq = useRef(0)

  const reload = useCallback(async () => {
    const mine = ++seq.current
    try {
      const value = await loadRef.current()
      if (mine !== seq.current) return
      setData(value)
      setError('')
    } catch (err) {
      if (mine !== seq.current) return
      if (err instanceof ApiError && err.status === 401)
        authLostRef.current('The API no longer accepts this key pair; sign in again.')
      else setError(err instanceof Error ? err.message : String(err))
    }
  }, [])

  useEffect(() => {
    void reload()
    if (intervalMs <= 0) return
    const t = setInterval(() => void reload(), intervalMs)
    return () => clearInterval(t)
  }, [intervalMs, reload, ...deps])

  return { data, error, reload }
}
