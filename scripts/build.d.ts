// Types of scripts/build.js (plain JavaScript: `npm start` runs it before anything is compiled).
export function compile(entry: string, out: string, banner?: string): Promise<string>;
export function build(digest?: string): Promise<string>;
export function ensureBuilt(): Promise<string>;
