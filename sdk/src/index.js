// The package entry: the same exports as the official SDK. `default` is CallingExtensions,
// `Constants` the constants namespace, `IFrameManager` the messenger class, plus every type.

import CallingExtensions from "./CallingExtensions.js";
import * as Constants from "./constants.js";
import IFrameManager from "./IFrameManager.js";

export default CallingExtensions;
export { Constants, IFrameManager };
export * from "./types.js";
