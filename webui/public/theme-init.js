// Apply the remembered theme before the first paint so a light-theme user never sees a dark
// flash. A file of its own, loaded before the app: the Content-Security-Policy allows no inline script.
try {
  var theme = localStorage.getItem('kek.theme')
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme
} catch (e) {}
