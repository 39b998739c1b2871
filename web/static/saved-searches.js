// Saved searches of a list page: a name and the search text, kept per portal and user in this
// browser's localStorage (`callhost:saved-searches:{portalId}:{userId}:{objectTypeId}`). A saved
// search keeps the question, not its answer: running it (or starting its call task queue)
// searches again, so it always takes the current results.

/**
 * @typedef {object} SavedSearch
 * @property {string} name
 * @property {string} query   the search text (the CRM search API's `query`)
 */

const MAX_SAVED = 50;

/**
 * @param {number} portalId
 * @param {number} userId
 * @param {string} objectTypeId
 */
function storageKey(portalId, userId, objectTypeId) {
  return `callhost:saved-searches:${portalId}:${userId}:${objectTypeId}`;
}

export class SavedSearches {
  /**
   * @param {number} portalId
   * @param {number} userId
   * @param {string} objectTypeId
   * @param {Storage} [storage]
   */
  constructor(portalId, userId, objectTypeId, storage = localStorage) {
    this.key = storageKey(portalId, userId, objectTypeId);
    this.storage = storage;
  }

  /** @returns {SavedSearch[]} */
  list() {
    try {
      const saved = JSON.parse(this.storage.getItem(this.key) ?? "[]");
      return Array.isArray(saved)
        ? saved.filter((s) => s && typeof s.name === "string" && typeof s.query === "string")
        : [];
    } catch {
      return [];
    }
  }

  /**
   * Saves a search under a name, replacing one of the same name.
   * @param {string} name
   * @param {string} query
   */
  save(name, query) {
    const trimmed = name.trim();
    if (!trimmed) throw new Error("A saved search needs a name.");
    const others = this.list().filter((s) => s.name !== trimmed);
    this.write([...others, { name: trimmed, query }].slice(-MAX_SAVED));
  }

  /** @param {string} name */
  remove(name) {
    this.write(this.list().filter((s) => s.name !== name));
  }

  /** @param {SavedSearch[]} all */
  write(all) {
    try {
      this.storage.setItem(this.key, JSON.stringify(all));
    } catch {
      throw new Error("This browser does not let the host keep saved searches.");
    }
  }
}
