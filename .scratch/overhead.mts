import { ensureRedis } from '../demo/start-private-redis.js'
import { overheadScenario } from '../bench/scenarios/overhead.js'
const redis = await ensureRedis(process.env.REDIS_URL)
try { console.log(await overheadScenario(redis.url, 2)) } finally { await redis.stop() }
