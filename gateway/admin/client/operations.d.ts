/** Served by the gateway from the codegen output (gateway/admin/admin.ts): operation name → document text. */
export declare const OPERATIONS: Record<string, string>;
