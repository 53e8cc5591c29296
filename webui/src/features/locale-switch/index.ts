export { default as LocaleSwitch } from './ui/LocaleSwitch.vue'
