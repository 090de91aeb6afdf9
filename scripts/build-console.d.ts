// Types of scripts/build-console.js for the TypeScript callers (the console's browser tests).
export declare const CONSOLE_OUT: string;
export declare function buildConsole(digest?: string): Promise<string>;
export declare function ensureConsoleBuilt(): Promise<string>;
