// The calling providers the switcher offers: every installed app with calling settings from
// the context, adjusted by HubSpot's localStorage overrides as docs/design.md#localstorage-overrides describes
// them, plus the user's remembered choice. Pure apart from the `Storage` it is handed.
//
// - `LocalSettings:Calling:CallingExtensions` (JSON `{name, url, isReady, width, height,
//   supportsCustomObjects, appId?}`): overrides the fields of the app it names (by `appId`,
//   else by exact `name`); otherwise, when it has a `url`, it is an extra provider of its own.
// - `LocalSettings:Calling:supportsInboundCalling` = `true`: every provider supports inbound
//   calling (the calling remote runs it), whatever its settings say.
// - `LocalSettings:Calling:installDemoWidget`: `local` offers "Demo App Local" at
//   https://localhost:9025/ (the official demo apps' dev server); `app:js` and `app` make
//   callhost's own demo app ("callhost demo app") offered and selectable.
//
// A provider that is not one of the portal's apps still runs a session under an app id (the
// engine keys calls by app): callhost's demo app, else the first app. Its URL goes to the
// server as `&url=`.

/** @typedef {import("./host-types.js").ContextApp} ContextApp */
/** @typedef {import("./host-types.js").Provider} Provider */

export const OVERRIDE_KEY = "LocalSettings:Calling:CallingExtensions";
export const DEMO_WIDGET_KEY = "LocalSettings:Calling:installDemoWidget";
export const INBOUND_KEY = "LocalSettings:Calling:supportsInboundCalling";
export const CHOICE_KEY = "callhost:provider";
export const DEMO_APP_NAME = "callhost demo app";
export const LOCAL_DEMO_URL = "https://localhost:9025/";

/**
 * @param {ContextApp[]} apps
 * @param {Pick<Storage, "getItem">} storage
 * @returns {Provider[]}
 */
export function providersFor(apps, storage) {
  const providers = apps.map(fromApp);
  const demo = apps.find((a) => a.name === DEMO_APP_NAME);
  const hostApp = demo ?? apps[0];

  const override = readOverride(storage);
  if (override) {
    const target = providers.find((p) =>
      typeof override.appId === "number" ? p.appId === override.appId : p.name === override.name);
    if (target) {
      applyOverride(target, override);
    } else if (typeof override.url === "string" && override.url && hostApp) {
      const extra = fromApp({ ...hostApp, name: String(override.name ?? "Local calling app"), url: override.url, isReady: true });
      extra.key = "override";
      applyOverride(extra, override);
      extra.urlOverride = override.url;
      providers.push(extra);
    }
  }

  const demoWidget = storage.getItem(DEMO_WIDGET_KEY);
  if (demoWidget === "local" && hostApp) {
    const local = fromApp({ ...hostApp, name: "Demo App Local", url: LOCAL_DEMO_URL, isReady: true, supportsCustomObjects: true });
    local.key = "demo-local";
    local.urlOverride = LOCAL_DEMO_URL;
    providers.push(local);
  } else if ((demoWidget === "app:js" || demoWidget === "app") && demo) {
    const offered = providers.find((p) => p.key === `app:${demo.appId}`);
    if (offered) offered.selectable = true;
  }
  if (storage.getItem(INBOUND_KEY) === "true") {
    for (const provider of providers) provider.supportsInboundCalling = true;
  }
  return providers;
}

/**
 * The provider the calling remote runs: the chosen one when it supports inbound calling,
 * else the first selectable one that does; none when no provider supports it.
 * @param {Provider[]} providers
 * @param {Provider | null} selected
 * @returns {Provider | null}
 */
export function remoteProvider(providers, selected) {
  if (selected?.selectable && selected.supportsInboundCalling) return selected;
  return providers.find((p) => p.selectable && p.supportsInboundCalling) ?? null;
}

/**
 * Whether a provider can take a dial from a record of this type (custom objects need
 * `supportsCustomObjects`).
 * @param {Provider} provider
 * @param {string | null} objectTypeId
 */
export function isOffered(provider, objectTypeId) {
  if (!provider.selectable) return false;
  return !(objectTypeId && objectTypeId.startsWith("2-")) || provider.supportsCustomObjects;
}

/**
 * @param {Provider[]} providers
 * @param {Pick<Storage, "getItem">} storage
 * @returns {Provider | undefined} the remembered provider, if it is still selectable
 */
export function rememberedProvider(providers, storage) {
  const key = storage.getItem(CHOICE_KEY);
  return providers.find((p) => p.key === key && p.selectable);
}

/**
 * @param {Pick<Storage, "setItem">} storage
 * @param {Provider} provider
 */
export function rememberProvider(storage, provider) {
  try {
    storage.setItem(CHOICE_KEY, provider.key);
  } catch {
    // Storage full or disabled: the choice lasts for this page only.
  }
}

/** @param {ContextApp} app @returns {Provider} */
function fromApp(app) {
  return {
    key: `app:${app.appId}`,
    appId: app.appId,
    name: app.name,
    url: app.url,
    urlOverride: null,
    width: app.width,
    height: app.height,
    selectable: app.isReady !== false,
    supportsCustomObjects: Boolean(app.supportsCustomObjects),
    usesCallingWindow: Boolean(app.usesCallingWindow),
    supportsInboundCalling: Boolean(app.supportsInboundCalling),
  };
}

/**
 * @param {Pick<Storage, "getItem">} storage
 * @returns {Record<string, unknown> | null}
 */
function readOverride(storage) {
  const raw = storage.getItem(OVERRIDE_KEY);
  if (!raw) return null;
  try {
    const value = JSON.parse(raw);
    return value && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch {
    console.warn(`${OVERRIDE_KEY} is not JSON; ignored`);
    return null;
  }
}

/**
 * @param {Provider} provider
 * @param {Record<string, unknown>} override
 */
function applyOverride(provider, override) {
  if (typeof override.name === "string" && override.name) provider.name = override.name;
  if (typeof override.url === "string" && override.url && override.url !== provider.url) {
    provider.url = override.url;
    provider.urlOverride = override.url;
  }
  if (typeof override.isReady === "boolean") provider.selectable = override.isReady;
  for (const size of /** @type {const} */ (["width", "height"])) {
    const value = override[size];
    if (typeof value === "number" || typeof value === "string") provider[size] = value;
  }
  if (typeof override.supportsCustomObjects === "boolean") provider.supportsCustomObjects = override.supportsCustomObjects;
  if (typeof override.usesCallingWindow === "boolean") provider.usesCallingWindow = override.usesCallingWindow;
  if (typeof override.supportsInboundCalling === "boolean") provider.supportsInboundCalling = override.supportsInboundCalling;
}
