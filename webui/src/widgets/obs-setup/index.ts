export { default as ObsSetupCard } from './ui/ObsSetupCard.vue'
