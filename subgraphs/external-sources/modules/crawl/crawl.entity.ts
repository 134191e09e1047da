import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export type CrawlStatusValue = 'RUNNING' | 'SUCCEEDED' | 'PARTIAL' | 'FAILED';
export type SourceResultStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';
export type CrawlTrigger = 'MANUAL' | 'SCHEDULED';

@Entity({ name: 'crawl_runs' })
export class CrawlRunEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  status: CrawlStatusValue;

  @Column({ type: 'text' })
  trigger: CrawlTrigger;

  @Column({ name: 'requested_by', type: 'uuid', nullable: true })
  requestedBy: string | null;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ name: 'heartbeat_at', type: 'timestamptz' })
  heartbeatAt: Date;

  @Column({ type: 'text', nullable: true })
  error: string | null;
}

@Entity({ name: 'crawl_source_results' })
export class CrawlSourceResultEntity {
  @PrimaryColumn({ name: 'crawl_run_id', type: 'uuid' })
  crawlRunId: string;

  @PrimaryColumn({ name: 'data_source_id', type: 'uuid' })
  dataSourceId: string;

  @Column({ type: 'text' })
  status: SourceResultStatus;

  @Column({ type: 'int' })
  fetched: number;

  @Column({ type: 'int' })
  normalized: number;

  @Column({ type: 'int' })
  rejected: number;

  @Column({ type: 'int' })
  gone: number;

  @Column({ type: 'int' })
  pages: number;

  @Column({ type: 'int' })
  retries: number;

  @Column({ name: 'duration_ms', type: 'int' })
  durationMs: number;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}

@Entity({ name: 'crawl_rejections' })
export class CrawlRejectionEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  @Column({ name: 'crawl_run_id', type: 'uuid' })
  crawlRunId: string;

  @Column({ name: 'data_source_id', type: 'uuid' })
  dataSourceId: string;

  @Column({ name: 'external_id', type: 'text', nullable: true })
  externalId: string | null;

  @Column({ type: 'text' })
  reason: string;

  @Column({ type: 'jsonb', nullable: true })
  record: unknown;
}
