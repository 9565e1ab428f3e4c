import { loadBackupConfig } from './backup-config.js';
import { DirectoryTarget } from './repository.js';

/**
 * Mirrors an erasure to the backup target (GDPR art. 17 across backups): the erasure register lives in
 * the key directory, which ransomware may take too; a copy on the write-once target lets a restore on a
 * wiped machine erase again a participant erased after the newest backup. Only the participant id and
 * the time are written, never a value. Best effort: an unreachable target never blocks an erasure
 * (the register in the key directory is written first, and fsynced).
 */
export function mirrorErasure(keyDir: string, participantId: string, at: string): void {
  try {
    const config = loadBackupConfig(keyDir);
    if (!config.ok) return;
    const target = new DirectoryTarget(config.value.target);
    if (!target.exists()) return;
    target.putErasure(participantId, Buffer.from(`${JSON.stringify({ participant: participantId, at })}\n`));
  } catch {
    // The register holds it; the next backup's snapshot holds the erased state.
  }
}
