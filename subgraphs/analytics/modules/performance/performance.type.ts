import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'One operation name as the gateway measured it (request start to response)' })
export class OperationStats {
  @Field({ description: 'The operation name; "anonymous" for unnamed ones, "other" for names beyond the 200 tracked' })
  operationName: string;

  @Field(() => Int)
  count: number;

  @Field(() => Float, { description: 'Share in [0,1] of responses that carried errors' })
  errorRate: number;

  @Field(() => Float, { description: 'Percentiles over the most recent 1024 requests of this operation' })
  p50Ms: number;

  @Field(() => Float)
  p95Ms: number;

  @Field(() => Float)
  p99Ms: number;
}

@ObjectType()
export class PerformanceReport {
  @Field({ description: 'When the gateway began counting (its start)' })
  since: Date;

  @Field(() => [OperationStats], { description: 'Most frequent first' })
  operations: OperationStats[];
}
