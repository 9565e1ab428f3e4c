import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, freshPlace, type TestPlace } from '../../test/support/stores.js';
import { initVault, openVault } from '../app/vault.js';
import { expectOk } from '../core/result.js';
import { runDrill } from './drill.js';

for (const dialect of DIALECTS) {
  describe(`ransomware drill (${dialect})`, () => {
    let place: TestPlace | undefined;
    afterEach(async () => place?.cleanup());

    it('ICH E6(R3) 4.3.3: back up, keep writing, destroy, restore, verify; every value comes back; a tampered chunk is refused', async () => {
      place = await freshPlace(dialect);
      const report = expectOk(
        await runDrill(
          { init: initVault, open: openVault },
          dialect === 'sqlite' ? undefined : place.location,
        ),
      );
      expect(report).toMatchObject({
        valuesEqual: true,
        restoredVerifies: true,
        tamperedChunkRefused: true,
        erasureHeld: true,
        ok: true,
      });
      expect(report.recordsCompared).toBeGreaterThan(300);
      expect(report.eventsLost).toBeGreaterThan(0);
    });
  });
}
