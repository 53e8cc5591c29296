export { default as RemindButton } from './ui/RemindButton.vue'
export { default as ReminderNotices } from './ui/ReminderNotices.vue'
export { askNotificationPermission, dismissReminder, listenForReminders, reminders, showReminder } from './model/reminders'
export type { Reminder } from './model/reminders'
