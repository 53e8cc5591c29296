import type en from './messages/en'

/** Every catalogue has exactly the English keys; TypeScript enforces it for ru.ts. */
export type MessageSchema = typeof en
