// What the pages know about object types: labels, the properties a record page shows, which
// of them are phone numbers (each gets a Call button), the `objectType` name DIAL_NUMBER
// carries, and a record's display name. Built-in contacts and companies, plus the portal's
// custom object schemas (`GET /crm/v3/schemas`). Pure apart from `loadObjectTypes`.

/**
 * @typedef {object} ObjectTypeInfo
 * @property {string} objectTypeId
 * @property {string} objectType     CONTACT, COMPANY, or the custom schema's name in capitals
 * @property {string} singular
 * @property {string} plural
 * @property {Array<{name: string, label: string, labels?: Record<string, string>, dateTime?: boolean}>} properties
 *   what a record shows; `labels` name a property's codes, `dateTime` marks a timestamp
 * @property {string[]} phoneProperties
 * @property {(properties: Record<string, string | null | undefined>, id: string) => string} title
 */

/** @type {ObjectTypeInfo[]} */
export const BUILTIN_TYPES = [
  {
    objectTypeId: "0-1",
    objectType: "CONTACT",
    singular: "Contact",
    plural: "Contacts",
    properties: [
      { name: "firstname", label: "First name" },
      { name: "lastname", label: "Last name" },
      { name: "email", label: "Email" },
      { name: "phone", label: "Phone number" },
      { name: "mobilephone", label: "Mobile phone number" },
      { name: "company", label: "Company name" },
    ],
    phoneProperties: ["phone", "mobilephone"],
    title: (p, id) => [p.firstname, p.lastname].filter(Boolean).join(" ") || p.email || `Contact ${id}`,
  },
  {
    objectTypeId: "0-2",
    objectType: "COMPANY",
    singular: "Company",
    plural: "Companies",
    properties: [
      { name: "name", label: "Company name" },
      { name: "domain", label: "Company domain name" },
      { name: "phone", label: "Phone number" },
    ],
    phoneProperties: ["phone"],
    title: (p, id) => p.name || p.domain || `Company ${id}`,
  },
];

const PHONE_NAME = /phone/i;

/**
 * The info of a custom object schema as `GET /crm/v3/schemas` returns it.
 * @param {any} schema
 * @returns {ObjectTypeInfo | null}
 */
export function fromSchema(schema) {
  if (!schema || typeof schema.objectTypeId !== "string") return null;
  /** @type {Array<{name: string, label: string, fieldType?: string}>} */
  const all = Array.isArray(schema.properties) ? schema.properties : [];
  const own = all.filter((p) => typeof p?.name === "string" && !p.name.startsWith("hs_"));
  const primary = typeof schema.primaryDisplayProperty === "string" ? schema.primaryDisplayProperty : null;
  const singular = schema.labels?.singular ?? schema.name ?? schema.objectTypeId;
  return {
    objectTypeId: schema.objectTypeId,
    objectType: String(schema.name ?? schema.objectTypeId).toUpperCase(),
    singular: String(singular),
    plural: String(schema.labels?.plural ?? singular),
    properties: own.map((p) => ({ name: p.name, label: String(p.label ?? p.name) })),
    phoneProperties: own.filter((p) => p.fieldType === "phonenumber" || PHONE_NAME.test(p.name)).map((p) => p.name),
    title: (p, id) => (primary && p[primary]) || `${singular} ${id}`,
  };
}

/**
 * Built-in types and the portal's custom ones; custom ones are left out if schemas fail.
 * @param {{get: (path: string) => Promise<any>}} api
 * @returns {Promise<ObjectTypeInfo[]>}
 */
export async function loadObjectTypes(api) {
  try {
    const body = await api.get("/crm/v3/schemas");
    const custom = (Array.isArray(body?.results) ? body.results : []).map(fromSchema).filter(Boolean);
    return [...BUILTIN_TYPES, .../** @type {ObjectTypeInfo[]} */ (custom)];
  } catch (error) {
    console.warn("callhost: custom object schemas are unavailable", error);
    return [...BUILTIN_TYPES];
  }
}
