import { createApp } from 'vue'
import { createPinia } from 'pinia'
import { useSessionStore } from '@/entities/user'
import { useTheme } from '@/features/theme-switch'
import { api } from '@/shared/api'
import { i18n } from '@/shared/i18n'
import App from './App.vue'
import { createAppRouter } from './router'
import { reportUncaught } from './ui/appErrors'
import './styles/theme.css'
import './styles/base.css'

const app = createApp(App)
const pinia = createPinia()
const router = createAppRouter()
app.use(pinia).use(router).use(i18n)

// A 401 from a protected endpoint means the session is gone: forget it and go log in.
api.unauthorizedHandler = (next) => {
  const session = useSessionStore(pinia)
  session.user = null
  void router.push({ path: '/login', query: { next } })
}

app.config.errorHandler = (err) => reportUncaught(err)
router.onError((err) => reportUncaught(err))
window.addEventListener('unhandledrejection', (event) => reportUncaught(event.reason))

useTheme().apply()
document.documentElement.lang = i18n.global.locale.value
app.mount('#app')
