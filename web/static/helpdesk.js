// The help desk's Channels page (`/help-desk/{portalId}`): the inboxes with their connected
// phone numbers, a form to create an inbox, "Connect a phone number" (the installed apps,
// selectable by their channel-connection settings' isReady or the in-browser override; the
// numbers the chosen app's webhook offers; connect the ticked ones to an inbox), and the
// tickets of an inbox with their calls, refreshed while the page is open.
//
// Every name, friendly name, reason and error here comes from an app or the CRM and is
// rendered as text (dom.js), never as HTML.
//
// Test hooks (data-testid): inbox, inbox-channel, disconnect-channel, inbox-name,
// create-inbox, inbox-error, connect-number, helpdesk-app (data-app-id, aria-disabled),
// app-reason, number-option (data-number, data-selectable), number-check, number-reason,
// number-error, numbers-error, connect-inbox, connect-submit, connect-error, connect-result,
// tickets-inbox, ticket (data-ticket-id, data-finalized), ticket-link, ticket-contact,
// ticket-call (data-engagement-id, data-finalized).

import { CALL_STATUS, label, TICKET_PIPELINE, TICKET_STATUS } from "./labels.js";
import { el, replace } from "./dom.js";
import { hostApi, ApiError, messageOf } from "./host-api.js";
import { recordPath } from "./routes.js";

/** The in-browser override of `isReady`, as HubSpot documents it for channel connection. */
export const CHANNEL_OVERRIDE_KEY = "LocalSettings:Calling:supportsChannelConnection";

/** How often the tickets are read again while the page is open. */
const TICKET_POLL_MS = 1000;

/**
 * @typedef {{id: number, inboxId: number, appId: number, appName: string | null, e164PhoneNumber: string, friendlyName: string | null, connectedAt: string}} Channel
 * @typedef {{id: number, name: string, channels: Channel[]}} Inbox
 * @typedef {{appId: number, name: string | null, channelConnection: {url: string, isReady: boolean} | null}} HelpDeskApp
 * @typedef {{e164PhoneNumber: string | null, extension: string | null, friendlyName: string | null, selectable: boolean, valid: boolean, reason: string | null}} OfferedNumber
 * @typedef {{engagementId: number, externalCallId: string | null, fromNumber: string | null, toNumber: string | null, status: string | null, finalizedAt: string | null}} TicketCall
 * @typedef {{id: number, inboxId: number, channelId: number | null, subject: string | null, stage: string | null, createdAt: string, finalized: boolean, contact: {objectTypeId: string, objectId: number, name: string | null} | null, calls: TicketCall[]}} Ticket
 */

/**
 * Whether an app can be chosen to connect a number, and why not when it cannot.
 * @param {HelpDeskApp} app
 * @param {boolean} override  the localStorage flag is `true`
 * @returns {{selectable: boolean, reason: string | null}}
 */
export function appAvailability(app, override) {
  if (!app.channelConnection) {
    return { selectable: false, reason: "This app does not support connecting phone numbers (it has no channel-connection settings)." };
  }
  if (app.channelConnection.isReady || override) return { selectable: true, reason: null };
  return {
    selectable: false,
    reason: `Not released yet: its channel connection has isReady false (set ${CHANNEL_OVERRIDE_KEY} to true in localStorage to test it).`,
  };
}

/** @param {Storage} storage */
export function channelOverride(storage) {
  return storage.getItem(CHANNEL_OVERRIDE_KEY) === "true";
}

/**
 * Renders the page; resolves to the function that stops its refreshes.
 * @param {object} options
 * @param {HTMLElement} options.root
 * @param {number} options.portalId
 * @param {() => boolean} [options.isCurrent]
 * @returns {Promise<() => void>}
 */
export async function renderHelpDeskPage({ root, portalId, isCurrent = () => true }) {
  document.title = "Help desk | callhost";
  const inboxList = el("div", { class: "inboxes", "data-testid": "inboxes" }, el("p", { class: "empty" }, "Loading inboxes…"));
  const inboxError = el("p", { class: "error", "data-testid": "inbox-error", role: "alert" });
  const nameInput = el("input", { type: "text", name: "inbox-name", maxlength: "100", placeholder: "New inbox name", "data-testid": "inbox-name", "aria-label": "New inbox name" });
  const connectPanel = el("section", { class: "connect-panel", "data-testid": "connect-panel", hidden: true });
  const ticketsInbox = el("select", { "data-testid": "tickets-inbox", "aria-label": "Inbox" });
  const ticketList = el("div", { class: "tickets", "data-testid": "tickets" }, el("p", { class: "empty" }, "Loading tickets…"));

  /** @type {Inbox[]} */
  let inboxes = [];
  let stopped = false;

  const loadInboxes = async () => {
    try {
      const body = await hostApi("GET", "/host/api/helpdesk/inboxes");
      if (stopped) return;
      inboxes = Array.isArray(body?.inboxes) ? body.inboxes : [];
      renderInboxes();
    } catch (error) {
      if (!stopped) replace(inboxList, el("p", { class: "error", "data-testid": "inboxes-error" }, `Inboxes could not be loaded: ${messageOf(error)}`));
    }
  };

  const renderInboxes = () => {
    replace(inboxList, inboxes.length === 0 ? el("p", { class: "empty" }, "No inboxes yet.") : inboxes.map((inbox) =>
      el("article", { class: "inbox", "data-testid": "inbox", "data-inbox-id": inbox.id },
        el("h3", { "data-field": "name" }, inbox.name),
        inbox.channels.length === 0
          ? el("p", { class: "empty" }, "No phone numbers connected.")
          : el("ul", { class: "channels" }, inbox.channels.map((channel) =>
            el("li", { "data-testid": "inbox-channel", "data-channel-id": channel.id, "data-number": channel.e164PhoneNumber },
              el("strong", { "data-field": "friendly-name" }, channel.friendlyName || channel.e164PhoneNumber), " ",
              el("span", { class: "number", "data-field": "number" }, channel.e164PhoneNumber), " ",
              el("span", { class: "muted", "data-field": "app" }, `via ${channel.appName ?? `app ${channel.appId}`}`), " ",
              el("button", { type: "button", "data-testid": "disconnect-channel", onclick: () => disconnect(channel) }, "Disconnect")))))));
    // The tickets' inbox picker follows the inboxes, keeping the current choice.
    const chosen = ticketsInbox.value;
    replace(ticketsInbox, inboxes.map((inbox) => el("option", { value: inbox.id }, inbox.name)));
    if (chosen && inboxes.some((i) => String(i.id) === chosen)) ticketsInbox.value = chosen;
    connectInbox?.replaceChildren(...inboxes.map((inbox) => el("option", { value: inbox.id }, inbox.name)));
  };

  /** @param {Channel} channel */
  const disconnect = async (channel) => {
    replace(inboxError);
    try {
      await hostApi("DELETE", `/host/api/helpdesk/channels/${channel.id}`);
    } catch (error) {
      replace(inboxError, `${channel.e164PhoneNumber} could not be disconnected: ${messageOf(error)}`);
    }
    await loadInboxes();
  };

  /** @param {SubmitEvent} event */
  const createInbox = async (event) => {
    event.preventDefault();
    replace(inboxError);
    try {
      const inbox = await hostApi("POST", "/host/api/helpdesk/inboxes", { name: nameInput.value });
      nameInput.value = "";
      await loadInboxes();
      if (inbox?.id) ticketsInbox.value = String(inbox.id);
    } catch (error) {
      const details = error instanceof ApiError ? error.errors.map((e) => e.message) : [];
      replace(inboxError, messageOf(error), details.map((d) => [el("br"), d]));
    }
  };

  /** @type {HTMLSelectElement | null} */
  let connectInbox = null;

  const openConnect = async () => {
    connectPanel.hidden = false;
    replace(connectPanel, el("h3", {}, "Connect a phone number"), el("p", { class: "empty" }, "Loading apps…"));
    /** @type {HelpDeskApp[]} */
    let apps;
    try {
      const body = await hostApi("GET", "/host/api/helpdesk/apps");
      apps = Array.isArray(body?.apps) ? body.apps : [];
    } catch (error) {
      replace(connectPanel, el("h3", {}, "Connect a phone number"), el("p", { class: "error", "data-testid": "connect-error" }, `Apps could not be loaded: ${messageOf(error)}`));
      return;
    }
    const override = channelOverride(localStorage);
    const numbersArea = el("div", { class: "numbers", "data-testid": "numbers" });
    replace(connectPanel,
      el("h3", {}, "Connect a phone number"),
      el("p", {}, "Choose the calling app that provides the number."),
      apps.length === 0 ? el("p", { class: "empty" }, "No apps are installed.") : el("ul", { class: "helpdesk-apps" }, apps.map((app) => {
        const { selectable, reason } = appAvailability(app, override);
        return el("li", {},
          el("button", {
            type: "button", class: "app-option", "data-testid": "helpdesk-app", "data-app-id": app.appId,
            "aria-disabled": selectable ? "false" : "true", title: reason ?? "",
            onclick: () => { if (selectable) chooseApp(app, numbersArea, override); },
          }, el("span", { "data-field": "name" }, app.name ?? `App ${app.appId}`)),
          reason ? el("span", { class: "app-reason", "data-testid": "app-reason" }, reason) : null);
      })),
      numbersArea);
  };

  /**
   * @param {HelpDeskApp} app
   * @param {HTMLElement} area
   * @param {boolean} override
   */
  const chooseApp = async (app, area, override) => {
    for (const button of connectPanel.querySelectorAll("[data-testid=helpdesk-app]")) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-app-id") === String(app.appId)));
    }
    replace(area, el("p", { class: "empty" }, `Asking ${app.name ?? `app ${app.appId}`} for its numbers…`));
    /** @type {{numbers?: OfferedNumber[], error?: {code: string, message: string}}} */
    let body;
    try {
      body = await hostApi("GET", `/host/api/channels/${app.appId}/numbers${override ? "?override=1" : ""}`);
    } catch (error) {
      replace(area, el("p", { class: "error", "data-testid": "numbers-error" }, `The numbers could not be loaded: ${messageOf(error)}`));
      return;
    }
    const numbers = Array.isArray(body?.numbers) ? body.numbers : [];
    /** @type {Map<string, HTMLElement>} */
    const rows = new Map();
    const items = numbers.map((n) => {
      const number = n.e164PhoneNumber ?? "";
      const errorSlot = el("span", { class: "error", "data-testid": "number-error" });
      const row = el("li", { class: "number-option", "data-testid": "number-option", "data-number": number, "data-selectable": String(n.selectable) },
        el("label", {},
          el("input", { type: "checkbox", value: number, "data-testid": "number-check", disabled: !n.selectable }), " ",
          el("strong", { "data-field": "friendly-name" }, n.friendlyName ?? ""), " ",
          el("span", { class: "number", "data-field": "number" }, number),
          n.extension ? el("span", { "data-field": "extension" }, ` ext. ${n.extension}`) : null),
        !n.selectable ? el("span", { class: "number-reason", "data-testid": "number-reason" }, n.reason ?? "Not selectable.") : null,
        errorSlot);
      if (number && !rows.has(number)) rows.set(number, row);
      return row;
    });
    connectInbox = el("select", { "data-testid": "connect-inbox", "aria-label": "Inbox to connect to" },
      inboxes.map((inbox) => el("option", { value: inbox.id }, inbox.name)));
    if (ticketsInbox.value) connectInbox.value = ticketsInbox.value;
    const result = el("p", { class: "error", "data-testid": "connect-error", role: "alert" });
    const done = el("p", { class: "connect-result", "data-testid": "connect-result" });
    const submit = el("button", { type: "button", "data-testid": "connect-submit" }, "Connect");
    submit.addEventListener("click", async () => {
      replace(result);
      replace(done);
      rows.forEach((row) => replace(/** @type {HTMLElement} */ (row.querySelector("[data-testid=number-error]"))));
      const chosen = [...area.querySelectorAll("input[data-testid=number-check]:checked")].map((c) => /** @type {HTMLInputElement} */ (c).value);
      if (chosen.length === 0) {
        replace(result, "Tick at least one number.");
        return;
      }
      const inboxId = Number(connectInbox?.value);
      submit.disabled = true;
      try {
        const made = await hostApi("POST", "/host/api/helpdesk/channels", { inboxId, appId: app.appId, numbers: chosen, override });
        const count = Array.isArray(made?.channels) ? made.channels.length : chosen.length;
        replace(done, `Connected ${count} number${count === 1 ? "" : "s"}.`);
        await loadInboxes();
      } catch (error) {
        replace(result, `Nothing was connected: ${messageOf(error)}`);
        if (error instanceof ApiError) {
          for (const detail of error.errors) {
            const slot = detail.in ? rows.get(detail.in)?.querySelector("[data-testid=number-error]") : null;
            if (slot) replace(slot, detail.message);
            else append(result, detail);
          }
        }
      } finally {
        submit.disabled = false;
      }
    });
    replace(area,
      el("h4", {}, `Numbers offered by ${app.name ?? `app ${app.appId}`}`),
      body?.error ? el("p", { class: "error", "data-testid": "numbers-error", "data-code": body.error.code }, body.error.message) : null,
      numbers.length === 0 && !body?.error ? el("p", { class: "empty" }, "The app offers no numbers.") : null,
      items.length ? el("ul", { class: "number-options" }, items) : null,
      items.length ? el("p", { class: "connect-actions" }, el("label", {}, "Inbox ", connectInbox), " ", submit) : null,
      result, done);
  };

  // The tickets of the chosen inbox, re-read every second and when the tab gets focus; the
  // list is redrawn only when it changed, so a click in it is never lost to a refresh.
  let lastTickets = "";
  let reading = false;
  const loadTickets = async () => {
    if (stopped || reading || !ticketsInbox.value) return;
    reading = true;
    try {
      const body = await hostApi("GET", `/host/api/helpdesk/tickets?inboxId=${encodeURIComponent(ticketsInbox.value)}`);
      if (stopped || !isCurrent()) return;
      const text = JSON.stringify(body);
      if (text === lastTickets) return;
      lastTickets = text;
      /** @type {Ticket[]} */
      const tickets = Array.isArray(body?.tickets) ? body.tickets : [];
      ticketList.dataset.count = String(tickets.length);
      replace(ticketList, tickets.length === 0
        ? el("p", { class: "empty", "data-testid": "tickets-empty" }, "No tickets in this inbox yet.")
        : el("ul", { class: "ticket-list" }, tickets.map((t) => renderTicket(t, portalId))));
    } catch (error) {
      lastTickets = "";
      if (!stopped) replace(ticketList, el("p", { class: "error", "data-testid": "tickets-error" }, `Tickets could not be loaded: ${messageOf(error)}`));
    } finally {
      reading = false;
    }
  };
  ticketsInbox.addEventListener("change", () => { lastTickets = ""; loadTickets(); });

  replace(root,
    el("h1", {}, "Help desk"),
    el("section", { class: "helpdesk-channels" },
      el("h2", {}, "Channels"),
      inboxList,
      el("form", { class: "new-inbox", onsubmit: createInbox },
        nameInput, " ", el("button", { type: "submit", "data-testid": "create-inbox" }, "Create inbox")),
      inboxError,
      el("p", {}, el("button", { type: "button", "data-testid": "connect-number", onclick: openConnect }, "Connect a phone number")),
      connectPanel),
    el("section", { class: "helpdesk-tickets" },
      el("h2", {}, "Tickets"),
      el("p", {}, el("label", {}, "Inbox ", ticketsInbox)),
      ticketList));

  await loadInboxes();
  if (!isCurrent()) {
    stopped = true;
    return () => {};
  }
  await loadTickets();
  const timer = setInterval(loadTickets, TICKET_POLL_MS);
  const onFocus = () => { loadTickets(); };
  window.addEventListener("focus", onFocus);
  return () => {
    stopped = true;
    clearInterval(timer);
    window.removeEventListener("focus", onFocus);
  };
}

/**
 * @param {HTMLElement} parent
 * @param {{message: string, in?: string}} detail
 */
function append(parent, detail) {
  parent.append(document.createElement("br"), document.createTextNode(detail.in ? `${detail.in}: ${detail.message}` : detail.message));
}

/**
 * @param {Ticket} ticket
 * @param {number} portalId
 */
function renderTicket(ticket, portalId) {
  const contact = ticket.contact;
  return el("li", { class: "ticket", "data-testid": "ticket", "data-ticket-id": ticket.id, "data-finalized": String(ticket.finalized) },
    el("header", {},
      el("a", { href: recordPath(portalId, "0-5", ticket.id), "data-nav": true, "data-testid": "ticket-link" }, ticket.subject || `Ticket ${ticket.id}`),
      " ",
      el("span", { class: "ticket-state", "data-field": "finalized" }, ticket.finalized ? "Finalized" : "Open call"),
      " ",
      contact
        ? el("a", { href: recordPath(portalId, contact.objectTypeId, contact.objectId), "data-nav": true, "data-testid": "ticket-contact" }, contact.name || `Record ${contact.objectId}`)
        : el("span", { class: "muted", "data-testid": "ticket-contact" }, "Unknown caller")),
    el("ul", { class: "ticket-calls" }, ticket.calls.map((call) =>
      el("li", { "data-testid": "ticket-call", "data-engagement-id": call.engagementId, "data-finalized": String(Boolean(call.finalizedAt)) },
        el("span", { "data-field": "from" }, call.fromNumber ?? "?"), " → ",
        el("span", { "data-field": "to" }, call.toNumber ?? "?"), " ",
        el("span", { "data-field": "status", "data-value": call.status ?? "" }, label(CALL_STATUS, call.status)), " ",
        el("span", { "data-field": "finalized" }, call.finalizedAt ? "finalized" : "not finalized"), " ",
        el("a", { href: recordPath(portalId, "0-5", ticket.id), "data-nav": true }, "Open ticket")))));
}

/**
 * What a ticket's record page shows (`/contacts/{portalId}/record/0-5/{id}`); its timeline
 * lists the ticket's calls.
 * @type {import("./objects.js").ObjectTypeInfo}
 */
export const TICKET_TYPE = {
  objectTypeId: "0-5",
  objectType: "TICKET",
  singular: "Ticket",
  plural: "Tickets",
  properties: [
    { name: "subject", label: "Ticket name" },
    { name: "content", label: "Description" },
    { name: "hs_pipeline", label: "Pipeline", labels: TICKET_PIPELINE },
    { name: "hs_pipeline_stage", label: "Ticket status", labels: TICKET_STATUS },
    // The API's create date of every object type (tickets have no `createdate`).
    { name: "hs_createdate", label: "Create date", dateTime: true },
  ],
  phoneProperties: [],
  title: (p, id) => p.subject || `Ticket ${id}`,
};
