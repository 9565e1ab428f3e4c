/** A known value wrapped by the master key at init: tells a wrong key or passphrase from a damaged store. */
export const KEY_CHECK_CONTEXT = 'store/key-check';
export const KEY_CHECK_PLAINTEXT = Buffer.from('trialvault key check v1');
