export { default as CreateEventForm } from './ui/CreateEventForm.vue'
export { draftToRequest, emptyDraft, localInputToIso, toLocalInput } from './model/draft'
export type { EventDraft } from './model/draft'
