export { default as RestartPipelineButton } from './ui/RestartPipelineButton.vue'
