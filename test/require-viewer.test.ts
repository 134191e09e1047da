import { requireViewer, type Viewer } from '#platform/infra/auth/viewer';

describe('requireViewer: the one check for a signed-in user in every subgraph', () => {
  const viewer: Viewer = {
    kind: 'user',
    userId: '5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a01',
    roles: ['BUYER'],
    tokenId: 't',
  };

  it('returns the signed-in user', () => {
    expect(requireViewer({ viewer })).toBe(viewer);
  });

  it('refuses an anonymous caller with a coded UNAUTHENTICATED error, never a TypeError', () => {
    let thrown: unknown;
    try {
      requireViewer({ viewer: null });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(thrown).not.toBeInstanceOf(TypeError);
  });
});
