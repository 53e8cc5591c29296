import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath, URL } from 'node:url'

// `npm run dev` proxies the API and media to a running `kek serve`
// (KEK_DEV_SERVER, default http://127.0.0.1:8080) so the dev server and kek share one origin.
const kekServer = process.env.KEK_DEV_SERVER ?? 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // hls.js and dash.js are loaded lazily by the player; they are big by nature.
    chunkSizeWarningLimit: 1200,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': kekServer,
      '/media': kekServer,
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    // Two cores shared with C++ builds: keep the worker count low.
    maxWorkers: 2,
    restoreMocks: true,
  },
})
