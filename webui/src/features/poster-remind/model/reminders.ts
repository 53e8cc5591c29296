// Reminders: the server sends a signed-in viewer "poster.reminder" over /api/events when an
// event they asked to be reminded of starts. Each one is shown in the page (a notice that stays
// until closed) and, when the viewer allowed it, as a browser notification.
import { ref } from 'vue'
import { serverEvents } from '@/shared/api'

export interface Reminder {
  id: string
  kind: string
  title: string
  page: string
}

function isReminder(data: unknown): data is Reminder {
  const r = data as Partial<Reminder> | null
  return !!r && typeof r.id === 'string' && typeof r.title === 'string' && typeof r.page === 'string'
}

/** The reminders on screen now, newest last. */
export const reminders = ref<Reminder[]>([])

export function dismissReminder(id: string) {
  reminders.value = reminders.value.filter((r) => r.id !== id)
}

type NotificationLike = { permission: string; requestPermission?: () => Promise<string> }

function notificationApi(): NotificationLike | null {
  const n = (globalThis as { Notification?: NotificationLike }).Notification
  return n ?? null
}

/** Asks for the browser's permission once, when the viewer sets their first reminder. */
export async function askNotificationPermission(): Promise<void> {
  const n = notificationApi()
  if (!n || n.permission !== 'default' || !n.requestPermission) return
  try {
    await n.requestPermission()
  } catch {
    // Refused or unsupported: the in-page notice still comes.
  }
}

export function showReminder(r: Reminder, text: (r: Reminder) => string, open: (page: string) => void) {
  if (!reminders.value.some((x) => x.id === r.id)) reminders.value = [...reminders.value, r]
  const n = notificationApi()
  if (!n || n.permission !== 'granted') return
  try {
    const Ctor = (globalThis as unknown as { Notification: new (title: string, options?: { body?: string; tag?: string }) => { onclick: (() => void) | null } })
      .Notification
    const shown = new Ctor(text(r), { tag: `kek-poster-${r.id}`, body: r.title })
    shown.onclick = () => open(r.page)
  } catch {
    // Some browsers only allow notifications from a service worker: the in-page notice is enough.
  }
}

/** Listens for reminders while the app runs; returns the unsubscribe. */
export function listenForReminders(text: (r: Reminder) => string, open: (page: string) => void): () => void {
  return serverEvents.subscribe('poster.reminder', (data) => {
    if (isReminder(data)) showReminder(data, text, open)
  })
}
