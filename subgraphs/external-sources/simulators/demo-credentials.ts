/**
 * The credentials the simulators accept out of the box, documented so `npm start` works with no
 * setup. They open nothing real: real partners issue their own, set through SOURCE_CREDENTIALS.
 */
export const DEMO_CREDENTIALS: Record<string, string> = {
  'hemp-suppliers-network': 'hsn-demo-7c1f2a9e',
  'sa-cannabis-exchange': 'sacx-demo-4b9e55d0',
  'regulatory-registry': 'marketplace-demo:registry-demo-secret',
};
