// Helper module written in plain JavaScript.
export const fromJs = "value from a .js module";
export default function jsDefault() { return "js default export"; }
