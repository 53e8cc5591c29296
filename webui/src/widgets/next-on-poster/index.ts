export { default as NextOnPoster } from './ui/NextOnPoster.vue'
export { localStart, nextLine } from './model/nextLine'
export type { NextLine } from './model/nextLine'
