import { describe, expect, it } from 'vitest'
import { cueAt, parseThumbnailVtt, parseTimestamp } from './thumbnails'

const VTT = `WEBVTT

NOTE made by the library's sprite writer

1
00:00:00.000 --> 00:00:05.000
sheet.jpg#xywh=0,0,160,90

2
00:00:05.000 --> 00:00:10.000 align:start
sheet.jpg#xywh=160,0,160,90

00:10.000 --> 00:15.500
/media/vod/x/sprites/other.jpg#xywh=0,90,160,90

00:00:20.000 --> 00:00:18.000
backwards.jpg#xywh=0,0,1,1

00:00:30.000 --> 00:00:35.000
whole.jpg
`

describe('thumbnail VTT', () => {
  it('reads WebVTT timestamps with and without hours', () => {
    expect(parseTimestamp('01:02:03.500')).toBe(3723.5)
    expect(parseTimestamp('02:03.5')).toBe(123.5)
    expect(parseTimestamp('00:00:01,250')).toBe(1.25)
    expect(parseTimestamp('soon')).toBeNaN()
  })

  it('parses #xywh= sprite regions, resolves images against the VTT and skips nonsense', () => {
    const cues = parseThumbnailVtt(VTT, '/media/vod/abc/sprites/thumbnails.vtt')
    expect(cues).toHaveLength(4)
    expect(cues[0]).toEqual({ start: 0, end: 5, url: '/media/vod/abc/sprites/sheet.jpg', x: 0, y: 0, w: 160, h: 90 })
    expect(cues[1]).toMatchObject({ start: 5, end: 10, x: 160, y: 0 })
    expect(cues[2]).toMatchObject({ start: 10, end: 15.5, url: '/media/vod/x/sprites/other.jpg', y: 90 })
    expect(cues[3]).toMatchObject({ url: '/media/vod/abc/sprites/whole.jpg', w: null, h: null })
  })

  it('handles CRLF, a BOM and absolute URLs', () => {
    const text = '\uFEFFWEBVTT\r\n\r\n00:00:00.000 --> 00:00:02.000\r\nhttps://cdn.example/s.jpg#xywh=1,2,3,4\r\n'
    expect(parseThumbnailVtt(text, '/a/b.vtt')).toEqual([{ start: 0, end: 2, url: 'https://cdn.example/s.jpg', x: 1, y: 2, w: 3, h: 4 }])
  })

  it('finds the cue at a time, including the very end, and none in a gap', () => {
    const cues = parseThumbnailVtt(VTT, '/v/t.vtt')
    expect(cueAt(cues, 0)!.x).toBe(0)
    expect(cueAt(cues, 4.99)!.x).toBe(0)
    expect(cueAt(cues, 5)!.x).toBe(160)
    expect(cueAt(cues, 12)!.y).toBe(90)
    expect(cueAt(cues, 25)).toBeNull()
    expect(cueAt(cues, 35.2)!.url).toContain('whole.jpg')
    expect(cueAt([], 3)).toBeNull()
  })
})
