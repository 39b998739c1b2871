// A TypeScript app written against the official 0.9.7 typings, compiled against our
// generated `.d.ts` (`npm run typecheck`): if it compiles, TypeScript users can switch.
import CallingExtensions, {
  Constants,
  IFrameManager,
  type CompanyIdMatch,
  type ContactIdMatch,
  type EndStatus,
  type EventHandlers,
  type OnCallCompleted,
  type OnNavigateToRecord,
  type Options,
} from "../../dist/types/index.js";

const noop = (): void => undefined;
const eventHandlers: EventHandlers = {
  onCallerIdMatchFailed: noop, onCallerIdMatchSucceeded: noop, onCreateEngagementFailed: noop,
  onCreateEngagementSucceeded: noop, onDialNumber: noop, onEndCall: noop, onEngagementCreated: noop,
  onInitiateCallIdFailed: noop, onInitiateCallIdSucceeded: noop, onNavigateToRecordFailed: noop,
  onPublishToChannelFailed: noop, onPublishToChannelSucceeded: noop, onFinalizeEngagementFailed: noop,
  onFinalizeEngagementSucceeded: noop, onReady: noop, onSetCallState: noop, onSetWidgetUrlFailed: noop,
  onUpdateEngagementFailed: noop, onUpdateEngagementSucceeded: noop, onVisibilityChanged: noop,
  onFailed: noop, defaultEventHandler: noop,
};
const options: Options = { debugMode: true, eventHandlers };
const cti = new CallingExtensions(options);

cti.initialized({ isLoggedIn: true, engagementId: 1 });
cti.outgoingCall({ externalCallId: "x", toNumber: "+1", createEngagement: true });
cti.incomingCall({ externalCallId: "x", fromNumber: "+1", toNumber: "+2" });
cti.callAnswered({ externalCallId: "x" });
const status: EndStatus = "MISSED";
cti.callEnded({ externalCallId: "x", engagementId: 1, callEndStatus: status });
const completed: OnCallCompleted = { externalCallId: "x", hideWidget: false, engagementProperties: { hs_timestamp: 1 } };
cti.callCompleted(completed);
const nav: OnNavigateToRecord = { objectCoordinates: { portalId: 1, objectId: 2, objectTypeId: "0-1" }, openIn: "NEW_TAB" };
cti.navigateToRecord(nav);
cti.finalizeEngagement({ externalCallId: "x", engagementId: 1 });
cti.setWidgetUrl({ iFrameUrl: "https://example.test" });
cti.sendMessage({ type: Constants.messageType.CALL_DATA, data: {} });
cti.logDebugMessage({ message: "m", type: Constants.debugMessageType.GENERIC_MESSAGE });
const ready: boolean = cti.iFrameManager.isReady;
const host: string = cti.iFrameManager.destinationHost;
const px: string = IFrameManager.formatSize(10);
const handler: string = Constants.messageHandlerNames[Constants.messageType.DIAL_NUMBER];
const end: string = Constants.callEndStatus.INTERNAL_COMPLETED;
const match: ContactIdMatch | CompanyIdMatch = {
  callerIdType: "COMPANY",
  objectCoordinates: { portalId: 1, objectId: 2, objectTypeId: "0-2" },
  name: "Acme",
};
export { end, handler, host, match, px, ready };
