import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { type RedisServer, redisForTests, startRedis } from '../support/services/redis.ts';

describe.runIf(redisForTests(import.meta.filename))('the Redis the tests start', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  it('is a real Redis with BullMQ’s eviction policy, reachable by ioredis', async () => {
    expect(await redis.cli('config', 'get', 'maxmemory-policy')).toBe('maxmemory-policy\nnoeviction');
    const client = new Redis(redis.url);
    try {
      await client.set('draydog-test', 'value');
      expect(await client.get('draydog-test')).toBe('value');
    } finally {
      client.disconnect();
    }
  });
});
