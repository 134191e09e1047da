import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AccessLevel } from '#platform/infra/schema/shared-types';
import type { DataSourceKind } from './data-source.type';

@Entity({ name: 'data_sources' })
export class DataSourceEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  slug: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  description: string;

  @Column({ type: 'text' })
  kind: DataSourceKind;

  @Column({ name: 'required_access_level', type: 'text' })
  requiredAccessLevel: AccessLevel;

  @Column({ name: 'base_url', type: 'text' })
  baseUrl: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
