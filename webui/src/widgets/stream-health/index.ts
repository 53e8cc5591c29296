export { default as StreamHealthCard } from './ui/StreamHealthCard.vue'
export { healthWarnings } from './model/health'
export type { HealthWarning } from './model/health'
