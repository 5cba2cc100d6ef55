import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../shared/config.js'
import { ConfigError } from '../../shared/errors/config-error.js'
import { isRedisUnavailable } from '../../shared/is-redis-unavailable.js'
import { describeRedisTarget, parseRedisTarget } from '../../shared/redis-target.js'
import { connectedReplicas } from '../../store/replica-ack.js'

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, '/srv')
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`)
}

describe('how every process reaches Redis (docs/operations.md#redis-high-availability)', () => {
  it('one Redis by default, or REDIS_URL', () => {
    expect(parseRedisTarget({})).toEqual({ mode: 'single', url: 'redis://127.0.0.1:6379' })
    expect(parseRedisTarget({ REDIS_URL: 'redis://:pw@r:6380/1' })).toEqual({
      mode: 'single',
      url: 'redis://:pw@r:6380/1'
    })
  })

  it('Sentinel: REDIS_SENTINELS + REDIS_SENTINEL_NAME (+ passwords), default port 26379, IPv6 in brackets', () => {
    const t = parseRedisTarget({
      REDIS_SENTINELS: 's1:26379, s2 ,[::1]:26380',
      REDIS_SENTINEL_NAME: 'rollmaint',
      REDIS_SENTINEL_PASSWORD: 'sp',
      REDIS_PASSWORD: 'dp'
    })
    expect(t).toEqual({
      mode: 'sentinel',
      name: 'rollmaint',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26380 }
      ],
      sentinelPassword: 'sp',
      password: 'dp'
    })
    expect(describeRedisTarget(t)).toBe('sentinel master "rollmaint" via s1:26379,s2:26379,::1:26380')
  })

  it('Cluster: REDIS_CLUSTER_NODES, default port 6379', () => {
    const t = parseRedisTarget({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2' })
    expect(t).toEqual({
      mode: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 6379 }
      ],
      password: undefined
    })
  })

  it('more than one way is a start-up error naming the variables', () => {
    const e = configError({ REDIS_URL: 'redis://r:6379', REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'm' })
    expect(e.variable).toBe('REDIS_URL, REDIS_SENTINELS')
    expect(e.message).toMatch(/set only one of REDIS_URL .* REDIS_SENTINELS .* REDIS_CLUSTER_NODES/)
    expect(configError({ REDIS_SENTINELS: 's1', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: 'c1' }).variable).toBe(
      'REDIS_SENTINELS, REDIS_CLUSTER_NODES'
    )
    expect(
      configError({ REDIS_URL: 'redis://r', REDIS_SENTINELS: 's', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: 'c' })
        .variable
    ).toBe('REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES')
  })

  it('refuses incomplete or malformed settings, naming the variable', () => {
    expect(configError({ REDIS_SENTINELS: 's1:26379' }).variable).toBe('REDIS_SENTINEL_NAME')
    expect(configError({ REDIS_SENTINEL_NAME: 'm' }).variable).toBe('REDIS_SENTINEL_NAME')
    expect(configError({ REDIS_SENTINEL_PASSWORD: 'x' }).variable).toBe('REDIS_SENTINEL_PASSWORD')
    expect(configError({ REDIS_SENTINELS: 's1:99999', REDIS_SENTINEL_NAME: 'm' }).message).toMatch(
      /REDIS_SENTINELS: port of "s1:99999"/
    )
    expect(configError({ REDIS_CLUSTER_NODES: 'a:b' }).message).toMatch(/REDIS_CLUSTER_NODES: "a:b" is not host:port/)
    expect(configError({ REDIS_CLUSTER_NODES: ' , ' }).variable).toBe('REDIS_CLUSTER_NODES')
    expect(configError({ REDIS_PASSWORD: 'pw' }).message).toMatch(/REDIS_PASSWORD: .*put the password in the URL/)
    expect(configError({ REDIS_URL: 'http://r' }).variable).toBe('REDIS_URL')
  })

  it('never shows a password when describing where Redis is', () => {
    expect(describeRedisTarget({ mode: 'single', url: 'redis://user:secret@cache:6379/2' })).toBe(
      'redis://cache:6379/2'
    )
    const s = describeRedisTarget({
      mode: 'sentinel',
      name: 'm',
      sentinels: [{ host: 's', port: 1 }],
      sentinelPassword: 'secret',
      password: 'secret'
    })
    expect(s).not.toContain('secret')
  })
})

describe('replica acknowledgement settings (docs/operations.md#redis-high-availability)', () => {
  it('ROLLMAINT_REDIS_MIN_REPLICAS: auto by default, or a number; ROLLMAINT_REDIS_ACK_TIMEOUT_MS', () => {
    expect(loadConfig({}, '/srv').redisMinReplicas).toBe('auto')
    expect(loadConfig({}, '/srv').redisAckTimeoutMs).toBe(1000)
    expect(
      loadConfig({ ROLLMAINT_REDIS_MIN_REPLICAS: '2', ROLLMAINT_REDIS_ACK_TIMEOUT_MS: '250' }, '/srv')
    ).toMatchObject({ redisMinReplicas: 2, redisAckTimeoutMs: 250 })
    expect(loadConfig({ ROLLMAINT_REDIS_MIN_REPLICAS: '0' }, '/srv').redisMinReplicas).toBe(0)
    expect(configError({ ROLLMAINT_REDIS_MIN_REPLICAS: 'some' }).message).toMatch(/expected auto or a whole number/)
    expect(configError({ ROLLMAINT_REDIS_MIN_REPLICAS: '17' }).variable).toBe('ROLLMAINT_REDIS_MIN_REPLICAS')
    expect(configError({ ROLLMAINT_REDIS_ACK_TIMEOUT_MS: '5' }).variable).toBe('ROLLMAINT_REDIS_ACK_TIMEOUT_MS')
  })

  it('reads connected replicas from INFO replication', () => {
    expect(connectedReplicas('# Replication\r\nrole:master\r\nconnected_slaves:2\r\nslave0:ip=127.0.0.1')).toBe(2)
    expect(connectedReplicas('role:master\r\nconnected_slaves:0\r\n')).toBe(0)
    expect(connectedReplicas('')).toBe(0)
  })
})

describe('Redis without a reachable master is recognised (the API answers 503, not 500)', () => {
  const named = (name: string, message = 'x'): Error => Object.assign(new Error(message), { name })
  const coded = (code: string): Error => Object.assign(new Error(`connect ${code} 127.0.0.1:6379`), { code })
  it.each([
    named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 2).'),
    named('ClusterAllFailedError', 'Failed to refresh slots cache.'),
    coded('ECONNREFUSED'),
    coded('ETIMEDOUT'),
    new Error('Connection is closed.'),
    new Error("READONLY You can't write against a read only replica."),
    new Error('CLUSTERDOWN The cluster is down'),
    new Error('TRYAGAIN Multiple keys request during rehashing of slot'),
    new Error('LOADING Redis is loading the dataset in memory'),
    new Error('All sentinels are unreachable. Retrying from scratch after 10ms.'),
    Object.assign(new Error('Too many Cluster redirections.'), {
      lastNodeError: new Error('CLUSTERDOWN Hash slot not served')
    }),
    new Error('MOVED 3999 127.0.0.1:6381'),
    Object.assign(new Error('EXECABORT Transaction discarded because of previous errors.'), {
      previousErrors: [new Error('MOVED 3999 127.0.0.1:6381')]
    })
  ])('%s', (err) => {
    expect(isRedisUnavailable(err)).toBe(true)
  })
  it('but not other errors', () => {
    expect(isRedisUnavailable(new Error('ERR wrong number of arguments'))).toBe(false)
    expect(isRedisUnavailable(new TypeError('x is undefined'))).toBe(false)
    expect(isRedisUnavailable('ECONNREFUSED')).toBe(false)
    expect(
      isRedisUnavailable(
        Object.assign(new Error('EXECABORT Transaction discarded because of previous errors.'), {
          previousErrors: [new Error('WRONGTYPE Operation against a key')]
        })
      )
    ).toBe(false)
  })
})
