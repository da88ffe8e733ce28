import { klaxonSignatureHeader as nodeSignatureHeader, verifyKlaxonSignature } from '../../../core/shared/signature';
import { klaxonSignatureHeader } from '../../../packages/next/src/web-signature';
import { signKlaxon } from '../../support/signing';

describe("@klaxon/next's Web Crypto signature", () => {
  const now = 1_800_000_000;
  it.each([
    ['a report', '{"kind":"error","app":"acme-web"}'],
    ['an empty body', ''],
    ['text beyond ASCII', '{"message":"Zürich ✓ 東京 😀"}'],
    ['a large body', JSON.stringify({ padding: 'x'.repeat(60_000) })],
  ])("is byte for byte Klaxon's header for %s, and Klaxon's verifier accepts it", async (_, body) => {
    const header = await klaxonSignatureHeader('whsec_abc', body, now);
    expect(header).toBe(nodeSignatureHeader('whsec_abc', body, now));
    expect(header).toBe(signKlaxon('whsec_abc', body, now));
    expect(() => verifyKlaxonSignature('whsec_abc', Buffer.from(body), header, now)).not.toThrow();
  });

  it('does not verify under another secret (the key is not reused across secrets)', async () => {
    await klaxonSignatureHeader('first-secret', 'x', now);
    const header = await klaxonSignatureHeader('second-secret', 'x', now);
    expect(() => verifyKlaxonSignature('first-secret', Buffer.from('x'), header, now)).toThrow(/does not match/);
  });
});
