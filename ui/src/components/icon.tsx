/** Small inline SVG icons (no font or file to load): every state shows an icon and a word, never colour alone. */
export type IconName =
  | 'check'
  | 'cross'
  | 'skip'
  | 'spinner'
  | 'pause'
  | 'play'
  | 'dot'
  | 'warn'
  | 'wrench'
  | 'clock'
  | 'stop'
  | 'retry'
  | 'minus'

const PATHS: Record<IconName, string> = {
  check: 'M3 8.5l3 3 7-7',
  cross: 'M4 4l8 8M12 4l-8 8',
  skip: 'M3 4l5 4-5 4M8 4l5 4-5 4',
  spinner: 'M8 2a6 6 0 1 1-6 6',
  pause: 'M5 3v10M11 3v10',
  play: 'M4 3l9 5-9 5z',
  dot: 'M8 5a3 3 0 1 0 0.01 0',
  warn: 'M8 2l6.5 12h-13zM8 6.5v3.5M8 12v.5',
  wrench: 'M10.5 2.5a3 3 0 0 0-3.8 3.8L2.5 10.5l3 3 4.2-4.2a3 3 0 0 0 3.8-3.8l-2 2-2-1-1-2z',
  clock: 'M8 2a6 6 0 1 0 0.01 0M8 5v3.5l2.5 1.5',
  stop: 'M4 4h8v8h-8z',
  retry: 'M13 8a5 5 0 1 1-1.5-3.6M13 2.5v2.5h-2.5',
  minus: 'M4 8h8'
}

export function Icon({ name, class: cls }: { name: IconName; class?: string }) {
  return (
    <svg
      class={`icon icon-${name}${cls ? ` ${cls}` : ''}`}
      viewBox="0 0 16 16"
      width="16"
      height="16"
      aria-hidden="true"
      focusable="false"
    >
      <path d={PATHS[name]} />
    </svg>
  )
}
