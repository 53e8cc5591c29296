export { default as ChatPanel } from './ui/ChatPanel.vue'
export { chatUrl, characterCount, parseFrame } from './model/chatProtocol'
export type { ChatMessage } from './model/chatProtocol'
