export { posterApi, posterQueryString } from './api/posterApi'
export type { PosterAnswer, PosterQuery } from './api/posterApi'
export type * from './model/types'
export {
  addMonths,
  countdownClock,
  currentMonth,
  dayKey,
  groupByDay,
  monthGrid,
  monthParam,
  parseMonthParam,
  startsIn,
  viewerTimeZone,
  weekStartOf,
} from './model/calendar'
export type { DayGroup, GridDay, YearMonth } from './model/calendar'
export { dayHeading, filmPage, isOver, localTime } from './model/status'
export { localInputToIso, toLocalInput } from './model/localInput'
export { default as PosterEventCard } from './ui/PosterEventCard.vue'
export { default as EventForm } from './ui/EventForm.vue'
