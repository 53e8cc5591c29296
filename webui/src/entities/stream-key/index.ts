export { streamKeyApi } from './api/streamKeyApi'
