// A second TrialVault process for the concurrency test: writes records into a shared PostgreSQL store.
import { openVault } from '../../dist/src/app/vault.js';
import { expectOk } from '../../dist/src/core/result.js';

const [url, schema, keyDir, name, ...participants] = process.argv.slice(2);
const vault = expectOk(
  await openVault({ dialect: 'postgres', url, schema, poolSize: 4 }, { keyDir, passphrase: undefined }),
);
const actor = { kind: 'system', id: name };
for (let i = 0; i < 60; i++) {
  const participantId = participants[i % participants.length];
  if (i % 3 === 0) {
    const batch = Array.from({ length: 5 }, (_, k) => ({
      participantId,
      form: 'VITALS',
      visit: `${name}-B${i}-${k}`,
      values: { SYSBP: 120, DIABP: 80 },
    }));
    expectOk(await vault.records.createMany(actor, batch));
  } else {
    expectOk(
      await vault.records.create(actor, {
        participantId,
        form: 'VITALS',
        visit: `${name}-${i}`,
        values: { SYSBP: 110 + i, DIABP: 70 },
      }),
    );
  }
  if (i % 20 === 0) expectOk(await vault.ledger.checkpoint());
}
await vault.close();
