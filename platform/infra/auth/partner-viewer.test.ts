import { partnerViewerFrom } from '#platform/infra/auth/viewer';

describe('partner viewer from the gateway-signed x-partner-id', () => {
  it('is a partner for a UUID and nothing otherwise', () => {
    expect(partnerViewerFrom('5B2F7A10-1C1E-4F36-9A51-3D2F0E6B0A01')).toEqual({
      kind: 'partner',
      partnerId: '5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a01',
    });
    for (const header of [undefined, '', 'partner-1', "' OR 1=1", '5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a01x'])
      expect(partnerViewerFrom(header)).toBeNull();
  });
});
