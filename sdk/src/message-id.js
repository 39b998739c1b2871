// Message ids. An id is `<instanceId>_<n>`: the sender's instance prefix, which is how a
// receiver recognises a response to its own request (`instanceRegexp`), then a counter.
//
// Deliberate difference: the official SDK uses `Date.now()` as the suffix, so two messages
// sent in the same millisecond share an id. The counter keeps the official prefix and shape
// but makes every id this module hands out distinct, for any instance id.

let sent = 0;

/**
 * @param {string | number} instanceId
 * @returns {string}
 */
export function createMessageId(instanceId) {
  return `${instanceId}_${++sent}`;
}
