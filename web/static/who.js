// Who is signed in, in the nav bar; in development (loopback), beside it a chooser to sign in as any
// user of any portal, which reloads the host on that user's portal. Emails and portal names
// are text.
//
// Test hooks (data-testid): signed-in-user, switch-user.

import { el, replace } from "./dom.js";
import { hostApi } from "./host-api.js";
import { listPath } from "./routes.js";

/**
 * Fills `slot` with the signed-in user (and the chooser when switching is allowed).
 * @param {HTMLElement} slot
 */
export async function renderWho(slot) {
  let me;
  try {
    me = await hostApi("GET", "/host/api/me");
  } catch {
    return;
  }
  const label = el("span", { "data-testid": "signed-in-user", title: me.superAdmin ? "Super admin" : "User" }, String(me.email ?? ""));
  if (!me.canSwitch) {
    replace(slot, label);
    return;
  }
  /** @type {{users: Array<{userId: number, portalId: number, portalName: string, email: string, superAdmin: boolean}>}} */
  const { users } = await hostApi("GET", "/host/api/users");
  const select = el("select", { "data-testid": "switch-user", "aria-label": "Sign in as" },
    users.map((u) => el("option", { value: `${u.portalId}:${u.userId}`, selected: u.userId === me.userId },
      `${u.email} (${u.portalName}${u.superAdmin ? ", super admin" : ""})`)));
  select.addEventListener("change", async () => {
    const [portalId, userId] = select.value.split(":").map(Number);
    await hostApi("POST", "/host/api/session", { portalId, userId });
    location.assign(listPath(portalId, "0-1"));
  });
  replace(slot, label, " ", select);
}
