export { pipelineApi, isRunning } from './api/pipelineApi'
export { default as PipelineStateBadge } from './ui/PipelineStateBadge.vue'
