// Phone numbers as the Call button dials them: the E.164 form of what the CRM stores, and
// the region it belongs to. A small, deliberate subset of numbering rules (North American
// 10-digit numbers without a prefix, and a handful of country codes); anything else is
// passed through with only its formatting removed. Pure; no DOM.

/** Country calling codes → ISO region, longest codes first where they overlap. */
const REGIONS = /** @type {Array<[string, string]>} */ ([
  ["1", "US"], ["44", "GB"], ["33", "FR"], ["49", "DE"], ["34", "ES"], ["39", "IT"],
  ["31", "NL"], ["32", "BE"], ["41", "CH"], ["43", "AT"], ["45", "DK"], ["46", "SE"],
  ["47", "NO"], ["48", "PL"], ["351", "PT"], ["353", "IE"], ["358", "FI"], ["380", "UA"],
  ["61", "AU"], ["64", "NZ"], ["81", "JP"], ["82", "KR"], ["86", "CN"], ["91", "IN"],
  ["55", "BR"], ["52", "MX"], ["27", "ZA"], ["65", "SG"], ["972", "IL"], ["971", "AE"],
]).sort((a, b) => b[0].length - a[0].length);

/**
 * The number to dial and its region.
 * @param {string} raw as stored, e.g. `617.555.0123` or `+44 20 7323 8299`
 * @returns {{phoneNumber: string, countryCode: string | undefined}}
 */
export function normalizePhone(raw) {
  const text = raw.trim();
  const digits = text.replace(/\D/g, "");
  if (!digits) return { phoneNumber: text, countryCode: undefined };
  if (text.startsWith("+") || text.startsWith("00")) {
    const international = text.startsWith("00") ? digits.slice(2) : digits;
    return { phoneNumber: `+${international}`, countryCode: regionOf(international) };
  }
  if (digits.length === 10) return { phoneNumber: `+1${digits}`, countryCode: "US" };
  if (digits.length === 11 && digits.startsWith("1")) return { phoneNumber: `+${digits}`, countryCode: "US" };
  return { phoneNumber: digits, countryCode: undefined };
}

/** @param {string} international digits after the `+` */
function regionOf(international) {
  const found = REGIONS.find(([code]) => international.startsWith(code));
  return found ? found[1] : undefined;
}
