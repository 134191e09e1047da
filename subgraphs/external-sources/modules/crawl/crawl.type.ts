import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { ConnectionType } from '#platform/infra/schema/connection';
import { DataSource } from '../data-source/data-source.type';

export enum CrawlStatus {
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  PARTIAL = 'PARTIAL',
  FAILED = 'FAILED',
}
registerEnumType(CrawlStatus, {
  name: 'CrawlStatus',
  description: 'PARTIAL: some sources failed, the others were crawled',
});

export enum CrawlTriggerKind {
  MANUAL = 'MANUAL',
  SCHEDULED = 'SCHEDULED',
}
registerEnumType(CrawlTriggerKind, { name: 'CrawlTrigger' });

@ObjectType({ description: 'A record the crawler could not normalise, and why' })
export class CrawlRejection {
  @Field(() => String, { nullable: true, description: "The record's id at the source, when it had one" })
  externalId: string | null;

  @Field()
  reason: string;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The record as the source sent it (large ones truncated)' })
  record: unknown;
}

export const CrawlRejectionConnection = ConnectionType('CrawlRejection', CrawlRejection);

@ObjectType({ description: "One source's part of a crawl run" })
export class SourceCrawlResult {
  crawlRunId: string;
  dataSourceId: string;

  @Field(() => DataSource)
  dataSource: DataSource;

  @Field(() => Boolean, { description: 'False while the source is still being crawled' })
  finished: boolean;

  @Field(() => Int, {
    description:
      'Records read from the source; while the source is crawled, the count so far (updated about every 0.5 s)',
  })
  fetched: number;

  @Field(() => Int, {
    description: 'Records normalised and stored; written when the source finishes (0 while it is crawled)',
  })
  normalized: number;

  @Field(() => Int, {
    description: 'Records refused by normalisation (see rejections); the count so far while the source is crawled',
  })
  rejected: number;

  @Field(() => Int, { description: 'Records stored earlier that this crawl no longer found' })
  gone: number;

  @Field(() => Int, { description: 'Pages read from the source; the count so far while the source is crawled' })
  pages: number;

  @Field(() => Int, { description: 'Requests retried after a transient failure' })
  retries: number;

  @Field(() => Int)
  durationMs: number;

  @Field(() => String, { nullable: true, description: 'Why the source failed, or a note on an incomplete crawl' })
  error: string | null;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'One crawl of one or more external sources' })
export class CrawlRun {
  @Field(() => ID)
  id: string;

  @Field(() => CrawlStatus)
  status: CrawlStatus;

  @Field(() => CrawlTriggerKind)
  trigger: CrawlTriggerKind;

  @Field()
  startedAt: Date;

  @Field(() => Date, { nullable: true })
  finishedAt: Date | null;

  @Field(() => String, { nullable: true })
  error: string | null;
}

export const CrawlRunConnection = ConnectionType('CrawlRun', CrawlRun);
