export { default as EditEventForm } from './ui/EditEventForm.vue'
export { changeOf, editDraftOf } from './model/edit'
export type { EditDraft } from './model/edit'
