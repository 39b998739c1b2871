export default IFrameManager;
export type IframeManagerOptions = import("./types.js").IframeManagerOptions;
export type IframeOptions = import("./types.js").IframeOptions;
export type SizeInfo = import("./types.js").SizeInfo;
/** @typedef {import("./types.js").IframeManagerOptions} IframeManagerOptions */
/** @typedef {import("./types.js").IframeOptions} IframeOptions */
/** @typedef {import("./types.js").SizeInfo} SizeInfo */
declare class IFrameManager {
    /**
     * Creates a new message id.
     * @param {string | number} instanceId
     * @returns {string}
     */
    static createMessageId(instanceId: string | number): string;
    /**
     * Gets the html element that hosts the iFrame.
     * @param {string} hostElementSelector
     * @returns {Element}
     */
    static getHostElement(hostElementSelector: string): Element;
    /**
     * @param {string} url
     * @returns {string}
     */
    static extractHostFromUrl(url: string): string;
    /**
     * @param {IframeOptions | undefined} iFrameOptions
     * @returns {string}
     */
    static getDestinationHost(iFrameOptions: IframeOptions | undefined): string;
    /**
     * @param {IframeOptions} iFrameOptions
     * @param {(event: Event) => void} onLoadCallback
     * @param {OnErrorEventHandler} onLoadErrorCallback
     * @returns {HTMLIFrameElement | null}
     */
    static createIFrame(iFrameOptions: IframeOptions, onLoadCallback: (event: Event) => void, onLoadErrorCallback: OnErrorEventHandler): HTMLIFrameElement | null;
    /**
     * @param {number | string} size
     * @returns {string}
     */
    static formatSize(size: number | string): string;
    /** @param {IframeManagerOptions} options */
    constructor(options: IframeManagerOptions);
    /** @type {number} */
    firstSyncSent: number;
    /** @type {IframeManagerOptions | null} */
    options: IframeManagerOptions | null;
    /** @type {IframeManagerOptions["onMessageHandler"]} */
    onMessageHandler: IframeManagerOptions["onMessageHandler"];
    /** @type {boolean} */
    isIFrameHost: boolean;
    /** @type {boolean} */
    debugMode: boolean;
    /** Callbacks waiting for a response, by the id of the request. @type {{[key: string]: Function}} */
    callbacks: {
        [key: string]: Function;
    };
    /** @type {number} */
    instanceId: number;
    /** @type {RegExp} */
    instanceRegexp: RegExp;
    /** @type {boolean} */
    isReady: boolean;
    /** @type {(event: any) => void} */
    messageHandler: (event: any) => void;
    /** @type {HTMLIFrameElement | null} */
    iFrame: HTMLIFrameElement | null;
    /** @type {Window | null} */
    destinationWindow: Window | null;
    /** @type {string} */
    destinationHost: string;
    /** Reports a failed iframe load to the handler as a local SYNC_ACK_FAILED. */
    handleLoadError(): void;
    /**
     * Sets the iframe's width and height attributes; 0 or a missing value leaves one unchanged.
     * @param {SizeInfo} sizeInfo
     */
    updateIFrameSize(sizeInfo: SizeInfo): void;
    /** Marks the channel ready and emits the local READY event. */
    onReady(data?: {}): void;
    /** Stops listening and, in host mode, removes the iframe. */
    remove(): void;
    /**
     * Sends a message to the other window. A message without an id gets a new one, and the
     * callback (if any) waits for the response carrying that id.
     * @param {{type: string, messageId?: string | number, hostUrl?: string}} message
     * @param {Function} [callback]
     */
    sendMessage(message: {
        type: string;
        messageId?: string | number;
        hostUrl?: string;
    }, callback?: Function): void;
    /**
     * The incoming pipeline; see the module comment for its order.
     * @param {{data: any, origin?: any}} event
     */
    onMessage(event: {
        data: any;
        origin?: any;
    }): void;
    /** Host mode: posts one SYNC and schedules the next, until READY or the timeout. */
    sendSync(): void;
    /** @param {any[]} args */
    logDebugMessage(...args: any[]): void;
}
