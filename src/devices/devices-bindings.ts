import type { TableBinding } from '../ledger/table-binding.js';

/**
 * A device row decides which key signs a participant's uploads and whether they are accepted: it is
 * sealed by every event that writes it, including the telemetry.upload events that advance its sequence
 * state, so no column changes without an event (FDA DHT guidance on data integrity; issue #17).
 */
export const DEVICES: TableBinding = {
  table: 'devices',
  key: ['id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason:
    'status, public key and sequence state; sealed by device.register, device.enroll, device.status and telemetry.upload (the upload counters are written under those events, so none is volatile)',
};

export const TELEMETRY_POLICIES: TableBinding = {
  table: 'telemetry_policies',
  key: ['study_id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason: 'plausibility limits applied to every upload; sealed by telemetry.policy',
};

export const TELEMETRY_UPLOADS: TableBinding = {
  table: 'telemetry_uploads',
  key: ['id'],
  how: 'replay',
  reason:
    'every stored upload is compared with the telemetry.upload event that accepted it (telemetry check)',
};

export const TELEMETRY_BLOCKS: TableBinding = {
  table: 'telemetry_blocks',
  key: ['upload_id', 'metric'],
  how: 'replay',
  reason:
    "sample blocks are counted against their upload (telemetry check), and each block's content is sealed to its upload and metric under the participant key",
};

export const DEVICES_BINDINGS: readonly TableBinding[] = [
  DEVICES,
  TELEMETRY_POLICIES,
  TELEMETRY_UPLOADS,
  TELEMETRY_BLOCKS,
];
