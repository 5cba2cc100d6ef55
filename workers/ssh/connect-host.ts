import { Client, type ClientChannel, type ParsedKey, type PublicKeyAuthMethod, type ServerHostKeyAlgorithm } from 'ssh2'
import type { Logger } from 'pino'
import { HostKeyMismatchError } from '../../shared/errors/host-key-mismatch-error.js'
import { HostKeyUnknownError } from '../../shared/errors/host-key-unknown-error.js'
import { SshAuthError } from '../../shared/errors/ssh-auth-error.js'
import { SshConnectionLostError } from '../../shared/errors/ssh-connection-lost-error.js'
import { ExecTimeoutError } from '../../shared/errors/exec-timeout-error.js'
import { SshUnreachableError } from '../../shared/errors/ssh-unreachable-error.js'
import type { HostConfig } from '../../shared/types.js'
import { loadPrivateKey } from './private-key-cache.js'
import { readKnownHosts, serverHostKeyAlgorithms, verifyHostKey, type HostKeyVerdict } from './verify-host-key.js'

export interface ExecResult {
  code: number | null
  signal?: string | undefined
  stdout: Buffer
  stderr: Buffer
}

export interface ExecCallOptions {
  onStdout?: ((chunk: Buffer) => void) | undefined
  /** Written to the command's stdin before it is closed; stdin is always closed (EOF). */
  stdin?: string | Buffer | undefined
  /** Bytes of each stream kept (the tail); default a little over 64 KiB. */
  keepBytes?: number | undefined
  /** Rejects with ExecTimeoutError after this long and closes the channel. */
  timeoutMs?: number | undefined
  /**
   * The exit status by which a timer on the host around the command reports the same expiry (GNU
   * `timeout`: 124). Under load the host's report can arrive before the worker's own timer fires;
   * seen once `timeoutMs` has passed since the request was sent, it is that timeout too.
   */
  timeoutExitCode?: number | undefined
}

export interface HostConnection {
  exec(command: string, opts?: ExecCallOptions): Promise<ExecResult>
  /** An exec channel handed over as it is, for a long-lived conversation (the persistent runner). */
  channel(command: string): Promise<ClientChannel>
  /** Called once when the connection is gone (at once if it already is). */
  onClose(listener: () => void): void
  close(): void
  readonly closed: boolean
}

export interface ConnectOptions {
  readyTimeoutMs?: number
  keepaliveIntervalMs?: number
  logger?: Logger
}

function publicKeyAuth(username: string, key: ParsedKey): PublicKeyAuthMethod {
  return { type: 'publickey', username, key }
}

/** Keeps only the tail of a stream: a chatty script must not exhaust the worker's memory. */
const KEEP_BYTES = 64 * 1024 + 4096

function appendTail(chunks: Buffer[], size: { n: number }, chunk: Buffer, keep: number): void {
  chunks.push(chunk)
  size.n += chunk.length
  while (size.n - (chunks[0]?.length ?? 0) >= keep) size.n -= chunks.shift()!.length
}

/**
 * Opens one SSH connection to a host with its key checked (docs/security.md). Errors come back typed: auth
 * and host-key failures are final, unreachable hosts and dropped connections may be retried.
 */
export function connectHost(host: HostConfig, opts: ConnectOptions = {}): Promise<HostConnection> {
  const where = `host ${host.name} (${host.id}) at ${host.address}:${host.port}`
  return new Promise((resolve, reject) => {
    const client = new Client()
    let verdict: HostKeyVerdict | undefined
    let ready = false
    let closed = false
    const pending = new Set<(err: Error) => void>()
    const closeListeners: Array<() => void> = []

    let privateKey: ParsedKey | undefined
    if (host.privateKeyPath) {
      try {
        privateKey = loadPrivateKey(host.privateKeyPath)
      } catch (err) {
        reject(
          new SshAuthError(
            host.id,
            `cannot read privateKeyPath ${host.privateKeyPath} for ${where}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`
          )
        )
        return
      }
    }
    const knownHosts = host.hostKey ? undefined : readKnownHosts(host.knownHostsPath)

    client.on('ready', () => {
      ready = true
      // Small request packets otherwise wait on Nagle + delayed ACK: ~40 ms per command.
      client.setNoDelay(true)
      resolve({
        get closed() {
          return closed
        },
        close() {
          closed = true
          client.end()
        },
        onClose(listener) {
          if (closed) listener()
          else closeListeners.push(listener)
        },
        channel(command) {
          return new Promise<ClientChannel>((res, rej) => {
            if (closed) return rej(new SshConnectionLostError(host.id, `connection to ${where} is closed`))
            client.exec(command, (err, channel) => {
              if (err)
                return rej(new SshConnectionLostError(host.id, `cannot open a channel to ${where}: ${err.message}`))
              res(channel)
            })
          })
        },
        exec(command, execOpts = {}) {
          return new Promise<ExecResult>((res, rej) => {
            if (closed) return rej(new SshConnectionLostError(host.id, `connection to ${where} is closed`))
            const lost = (err: Error): void => rej(err)
            pending.add(lost)
            const keep = execOpts.keepBytes ?? KEEP_BYTES
            let settled = false
            let timer: NodeJS.Timeout | undefined
            // Before the request goes out: the host's timer cannot start earlier than this.
            const sentAt = performance.now()
            const timedOut = (): ExecTimeoutError =>
              new ExecTimeoutError(
                host.id,
                `command on ${where} did not finish within ${execOpts.timeoutMs} ms; it was killed`
              )
            client.exec(command, (err, channel) => {
              if (err) {
                pending.delete(lost)
                return rej(new SshConnectionLostError(host.id, `cannot open a channel to ${where}: ${err.message}`))
              }
              if (execOpts.timeoutMs !== undefined) {
                timer = setTimeout(() => {
                  settled = true
                  pending.delete(lost)
                  rej(timedOut())
                  channel.close()
                }, execOpts.timeoutMs)
              }
              channel.end(execOpts.stdin)
              const out: Buffer[] = []
              const errs: Buffer[] = []
              const outSize = { n: 0 }
              const errSize = { n: 0 }
              let code: number | null = null
              let signal: string | undefined
              channel.on('data', (chunk: Buffer) => {
                appendTail(out, outSize, chunk, keep)
                execOpts.onStdout?.(chunk)
              })
              channel.stderr.on('data', (chunk: Buffer) => appendTail(errs, errSize, chunk, keep))
              channel.on('exit', (c: number | null, s?: string) => {
                code = c
                signal = s ?? undefined
              })
              channel.on('close', () => {
                clearTimeout(timer)
                if (settled) return
                pending.delete(lost)
                if (code === null && signal === undefined && closed) {
                  return rej(
                    new SshConnectionLostError(host.id, `connection to ${where} closed while a command was running`)
                  )
                }
                if (
                  execOpts.timeoutMs !== undefined &&
                  code !== null &&
                  code === execOpts.timeoutExitCode &&
                  performance.now() - sentAt >= execOpts.timeoutMs
                ) {
                  return rej(timedOut())
                }
                res({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(errs) })
              })
            })
          })
        }
      })
    })
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (!ready) {
        if (verdict && !verdict.ok) {
          const Err = verdict.kind === 'unknown' ? HostKeyUnknownError : HostKeyMismatchError
          return reject(new Err(host.id, `${verdict.message}; refusing to connect to ${where}`))
        }
        if (err.level === 'client-authentication') {
          return reject(
            new SshAuthError(
              host.id,
              `authentication as ${host.user} refused by ${where}; check privateKeyPath and the host's authorized_keys`
            )
          )
        }
        return reject(new SshUnreachableError(host.id, `cannot reach ${where}: ${err.code ?? err.message}`))
      }
      opts.logger?.warn({ hostId: host.id, err: err.message }, 'ssh connection error')
    })
    client.on('close', () => {
      closed = true
      for (const listener of closeListeners.splice(0)) listener()
      if (!ready) reject(new SshUnreachableError(host.id, `connection to ${where} closed during the handshake`))
      for (const fail of pending)
        fail(new SshConnectionLostError(host.id, `connection to ${where} was lost while a command was running`))
      pending.clear()
    })
    // Only the key types we can check: a host offering ed25519 too must still show the pinned ECDSA/RSA key.
    const serverHostKey = serverHostKeyAlgorithms({
      address: host.address,
      port: host.port,
      hostKey: host.hostKey,
      knownHosts
    })
    client.connect({
      ...(serverHostKey ? { algorithms: { serverHostKey: serverHostKey as ServerHostKeyAlgorithm[] } } : {}),
      host: host.address,
      port: host.port,
      username: host.user,
      // Straight to the key, already parsed (once per key file): ssh2 would parse it on every
      // connection and first try "none" to learn the methods, one round trip more.
      authHandler: privateKey ? [publicKeyAuth(host.user, privateKey)] : undefined,
      readyTimeout: opts.readyTimeoutMs ?? 20_000,
      keepaliveInterval: opts.keepaliveIntervalMs ?? 5_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        verdict = verifyHostKey({ address: host.address, port: host.port, hostKey: host.hostKey, knownHosts }, key)
        return verdict.ok
      }
    })
    // From the first packet, not only once ready: with Nagle the handshake's back-to-back small
    // packets (KEXINIT then KEX_ECDH_INIT, NEWKEYS then SERVICE_REQUEST) each waited for the
    // server's delayed ACK, about 40 ms twice per connection.
    client.setNoDelay(true)
  })
}
