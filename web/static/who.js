// Who is signed in, at the top of the Apps page (where it decides who may install); in
// development (loopback), beside it a chooser to sign in as any user of any portal, which
// reloads the host on that user's portal. Emails and portal names are text. (Not in the nav
// bar: its width is the calling remote's.)
//
// Test hooks (data-testid): signed-in-user, switch-user.

import { el, replace } from "./dom.js";
import { hostApi } from "./host-api.js";
import { listPath } from "./routes.js";

/**
 * Adds who is signed in (and the chooser when switching is allowed) under `root`'s heading.
 * @param {HTMLElement} root
 */
export async function renderWho(root) {
  const slot = el("p", { class: "who" });
  root.querySelector("h1")?.after(slot);
  let me;
  try {
    me = await hostApi("GET", "/host/api/me");
  } catch {
    return;
  }
  const label = el("span", {}, "Signed in as ",
    el("strong", { "data-testid": "signed-in-user" }, String(me.email ?? "")),
    me.superAdmin ? " (super admin)" : "");
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
  replace(slot, label, " · sign in as ", select);
}
