import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The three sources API.md names, with fixed ids so every environment agrees on them. */
export class CreateDataSources1732233600000 implements MigrationInterface {
  name = 'CreateDataSources1732233600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE external.data_sources (
        id uuid PRIMARY KEY,
        slug text NOT NULL,
        name text NOT NULL,
        description text NOT NULL,
        kind text NOT NULL,
        required_access_level text NOT NULL,
        base_url text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX data_sources_slug_key ON external.data_sources (slug)`);
    await q.query(`
      INSERT INTO external.data_sources (id, slug, name, description, kind, required_access_level, base_url) VALUES
      ('5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a01', 'hemp-suppliers-network', 'Hemp Suppliers Network',
       'Network of South African hemp growers and processors publishing stock and prices', 'SUPPLIER_NETWORK', 'BASIC',
       'http://localhost:4101'),
      ('5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a02', 'sa-cannabis-exchange', 'SA Cannabis Exchange',
       'Trading exchange for licensed cannabis and CBD products', 'EXCHANGE', 'ADVANCED',
       'http://localhost:4102'),
      ('5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a03', 'regulatory-registry', 'Regulatory Registry',
       'Licence records of SAHPRA and DALRRD permit holders, used to verify sellers and offers', 'REGULATORY_REGISTRY', 'FULL',
       'http://localhost:4103')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE external.data_sources`);
  }
}
