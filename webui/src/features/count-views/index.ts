export { ViewReporter, VIEW_AFTER_S } from './model/viewReporter'
export { useViewCounting } from './model/useViewCounting'
