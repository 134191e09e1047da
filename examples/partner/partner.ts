import { getOperationAST, type DocumentNode } from 'graphql';
import type { ResultOf, TypedDocumentNode, VariablesOf } from '@graphql-typed-document-node/core';
import { PartnerActiveListingsDocument } from '../../schema/generated/graphql';
import manifest from '../../schema/operations/partner-manifest.json';

const endpoint = process.env.HEMP_API_URL ?? 'http://localhost:4000/graphql';
const apiKey = process.env.HEMP_API_KEY ?? '';

async function partnerQuery<D extends TypedDocumentNode<any, any>>(document: D, variables: VariablesOf<D>) {
  const name = getOperationAST(document as DocumentNode)?.name?.value;
  const sha256Hash = manifest.operations.find((op) => op.name === name)?.id;
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify({
      operationName: name,
      variables,
      extensions: { persistedQuery: { version: 1, sha256Hash } },
    }),
  });
  return (await res.json()) as { data?: ResultOf<D>; errors?: { message: string; extensions: { code: string } }[] };
}

async function main() {
  const { data, errors } = await partnerQuery(PartnerActiveListingsDocument, {
    productType: 'HEMP_OIL',
    province: 'GAUTENG',
    first: 20,
  });
  if (errors) throw new Error(errors.map((e) => `${e.extensions.code}: ${e.message}`).join('; '));
  data?.listings.edges.forEach(({ node }) => console.log(node.title, node.pricePerKg.amount)); // typed
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
