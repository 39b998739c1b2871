export default CallingExtensions;
export * from "./types.js";
import CallingExtensions from "./CallingExtensions.js";
import * as Constants from "./constants.js";
import IFrameManager from "./IFrameManager.js";
export { Constants, IFrameManager };
