export { default as PipelineBoard } from './ui/PipelineBoard.vue'
