export { useStreamKeys } from './model/useStreamKeys'
export { default as StreamKeyList } from './ui/StreamKeyList.vue'
export { default as CreateStreamKeyForm } from './ui/CreateStreamKeyForm.vue'
