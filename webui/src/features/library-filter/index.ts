export { default as LibraryFilterBar } from './ui/LibraryFilterBar.vue'
export { DEFAULT_FILTERS, SORTS, defaultOrder, filtersFromRoute, filtersToQuery, filtersToRoute, hasNarrowing } from './model/filters'
export type { LibraryFilters } from './model/filters'
