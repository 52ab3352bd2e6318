// Helper module with the .ts suffix.
export const fromTs: string = "value from a .ts module";
export function typedAdd(a: number, b: number): number { return a + b; }
