/** A gate in progress for one host (persisted, so a worker taking over continues the same wait). */
export interface GateWait {
  hostId: string
  /** When the first attempt started (epoch ms). */
  since: number
  attempts: number
  lastExitCode: number | null
  output: string
}
