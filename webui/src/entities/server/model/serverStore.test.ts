import { describe, expect, it } from 'vitest'
import { obsServerUrl, publishServerUrl } from './serverStore'

describe('obsServerUrl', () => {
  it('shows the RTMP endpoint the way OBS wants it: rtmp://host:port/live', () => {
    expect(obsServerUrl('rtmp://127.0.0.1:1935', '127.0.0.1')).toBe('rtmp://127.0.0.1:1935/live')
    expect(obsServerUrl('rtmp://kek.example:1935/live/', 'kek.example')).toBe('rtmp://kek.example:1935/live')
    expect(obsServerUrl('127.0.0.1:19350', 'localhost')).toBe('rtmp://127.0.0.1:19350/live')
  })

  it('replaces a wildcard or loopback bind address with the host the page was opened from', () => {
    expect(obsServerUrl('rtmp://0.0.0.0:1935', 'cinema.lan')).toBe('rtmp://cinema.lan:1935/live')
    expect(obsServerUrl('rtmp://127.0.0.1:1935', 'cinema.lan')).toBe('rtmp://cinema.lan:1935/live')
  })

  it('is null when the server has no RTMP ingest', () => {
    expect(obsServerUrl(undefined, 'x')).toBeNull()
  })
})

describe('publishServerUrl', () => {
  it('prefers the configured public URL over the bind address and the page host', () => {
    const endpoints = { rtmp: 'rtmp://0.0.0.0:1935/live', rtmp_public: 'rtmp://stream.example.org:1935/live' }
    expect(publishServerUrl(endpoints, 'cinema.lan')).toBe('rtmp://stream.example.org:1935/live')
  })

  it('falls back to the host the browser used when none is configured', () => {
    expect(publishServerUrl({ rtmp: 'rtmp://127.0.0.1:1935/live' }, 'cinema.lan')).toBe('rtmp://cinema.lan:1935/live')
    expect(publishServerUrl(undefined, 'cinema.lan')).toBeNull()
  })
})
