/**
 * @param {string | number} instanceId
 * @returns {string}
 */
export function createMessageId(instanceId: string | number): string;
