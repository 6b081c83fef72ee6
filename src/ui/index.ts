// The web dashboard (`recflow ui`).
export { UiServer, compileUiOptions, DEFAULT_UI_ADDRESS, type UiOptions } from "./ui-server.js";
