import type Redis from 'ioredis';
import type { Logger } from '#platform/infra/observability/logger';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface LeaseOptions {
  prefix: string;
  group: string;
  /** This consumer instance. */
  me: string;
  partitions: number;
  /** A lease not renewed for this long is free: how soon a crashed replica's partitions move on. */
  ttlMs: number;
  log: Logger;
}

/**
 * Which partitions of a consumer group this instance reads. Each partition is leased to one
 * instance at a time (a Redis key with a TTL, renewed while alive), so one aggregate's events are
 * handled by one replica, in order. Live instances heartbeat into a sorted set, and each aims for
 * its share ⌈partitions / instances⌉: a newcomer takes free partitions, an instance over its share
 * gives some back between batches, and a crashed instance's leases expire to the others.
 */
export class PartitionLeases {
  readonly owned = new Set<number>();
  private nextBeat = 0;
  private readonly members: string;

  constructor(
    private readonly client: Redis,
    private readonly options: LeaseOptions,
  ) {
    this.members = `${options.prefix}members:${options.group}`;
  }

  key(partition: number): string {
    return `${this.options.prefix}lease:${this.options.group}:${partition}`;
  }

  /** Heartbeat, renew, rebalance (at most every ttl/3); returns the partitions newly acquired. */
  async maintain(): Promise<number[]> {
    const { client, options } = this;
    const now = Date.now();
    if (now < this.nextBeat) return [];
    this.nextBeat = now + Math.max(20, Math.floor(options.ttlMs / 3));
    await client
      .multi()
      .zadd(this.members, now, options.me)
      .zremrangebyscore(this.members, '-inf', now - options.ttlMs)
      .pexpire(this.members, options.ttlMs * 10)
      .exec();
    for (const p of [...this.owned]) {
      if (Number(await client.eval(RENEW, 1, this.key(p), options.me, options.ttlMs)) !== 1) {
        this.owned.delete(p);
        options.log.warn({ consumer: options.group, partition: p }, 'lost the lease of a partition');
      }
    }
    const live = Math.max(1, await client.zcount(this.members, now - options.ttlMs, '+inf'));
    const share = Math.ceil(options.partitions / live);
    for (const p of [...this.owned].slice(share)) {
      await client.eval(RELEASE, 1, this.key(p), options.me);
      this.owned.delete(p);
    }
    const acquired: number[] = [];
    if (this.owned.size < share) {
      const start = Math.floor(Math.random() * options.partitions);
      for (let i = 0; i < options.partitions && this.owned.size < share; i++) {
        const p = (start + i) % options.partitions;
        if (this.owned.has(p)) continue;
        if ((await client.set(this.key(p), options.me, 'PX', options.ttlMs, 'NX')) === 'OK') {
          this.owned.add(p);
          acquired.push(p);
        }
      }
    }
    return acquired;
  }

  /** On a clean stop: the partitions go to the other replicas at once instead of after the TTL. */
  async releaseAll(): Promise<void> {
    for (const p of this.owned) await this.client.eval(RELEASE, 1, this.key(p), this.options.me);
    this.owned.clear();
    await this.client.zrem(this.members, this.options.me);
  }
}
