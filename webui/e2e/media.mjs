// Media made by the tests with ffmpeg at small sizes: clips to upload, subtitles, and a finished
// film folder (HLS with two audio renditions and WebVTT subtitles, a poster, a sprite sheet with
// its WebVTT index) for the tests of the pages themselves.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

function ffmpeg(args, what, timeout = 120_000) {
  const run = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { encoding: 'utf8', timeout })
  if (run.status !== 0) throw new Error(`ffmpeg (${what}) failed: ${run.error?.message ?? ''} ${run.stderr?.slice(-500) ?? ''}`)
}

/** An H.264/AAC MP4 test clip. `bitrate` pads it (e.g. '8M') when a test needs a larger file. */
export function makeClip(path, { seconds = 4, size = '320x180', bitrate = null } = {}) {
  ffmpeg(
    ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`, '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', String(seconds),
      '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-pix_fmt', 'yuv420p',
      ...(bitrate ? ['-b:v', bitrate, '-minrate', bitrate, '-maxrate', bitrate, '-bufsize', bitrate, '-x264-params', 'nal-hrd=cbr'] : []),
      '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', path],
    'clip',
  )
  return path
}

const made = new Map()
/** makeClip once per run and folder: several tests upload the same small files. */
export function cachedClip(dir, name, options) {
  const path = join(dir, name)
  if (!made.has(path)) {
    mkdirSync(dir, { recursive: true })
    made.set(path, makeClip(path, options))
  }
  return made.get(path)
}

export const SUBTITLE_LINE = 'Hello from the subtitles'

export function makeSrt(path, seconds = 8) {
  const cues = []
  for (let i = 0; i * 2 < seconds; i++) {
    const from = `00:00:${String(i * 2).padStart(2, '0')},100`
    const to = `00:00:${String(i * 2 + 1).padStart(2, '0')},900`
    cues.push(`${i + 1}\n${from} --> ${to}\n${SUBTITLE_LINE} ${i + 1}\n`)
  }
  writeFileSync(path, cues.join('\n'))
  return path
}

/**
 * A film folder as the library publishes one, under `dir`: hls/master.m3u8 (video 320x180, audio
 * "English" and "Русский", subtitles "English"), dash/manifest.mpd (the same, without
 * subtitles), poster.jpg, sprites/sheet.jpg +
 * sprites/thumbnails.vtt (one 160x90 picture a second, 4 a row). Returns the names, relative to `dir`.
 */
export function makeFilmFolder(dir, seconds = 8) {
  const hls = join(dir, 'hls')
  const sprites = join(dir, 'sprites')
  mkdirSync(hls, { recursive: true })
  mkdirSync(sprites, { recursive: true })
  const srt = makeSrt(join(dir, 'subs.srt'), seconds)
  ffmpeg(
    ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440', '-f', 'lavfi', '-i', 'sine=frequency=660',
      '-i', srt, '-t', String(seconds), '-map', '0:v', '-map', '1:a', '-map', '2:a', '-map', '3:s',
      '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '64k', '-c:s', 'webvtt', '-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'vod',
      '-master_pl_name', 'master.m3u8',
      '-var_stream_map', 'a:0,agroup:aud,language:en,name:audio_en,default:yes a:1,agroup:aud,language:ru,name:audio_ru v:0,s:0,agroup:aud,sgroup:subs,name:video',
      '-hls_segment_filename', join(hls, 'seg_%v_%03d.ts'), join(hls, 'out_%v.m3u8')],
    'film folder',
  )
  // Names as the library writes them: what the menus show.
  const master = readFileSync(join(hls, 'master.m3u8'), 'utf8')
    .replace('NAME="audio_0"', 'NAME="English"')
    .replace('NAME="audio_1"', 'NAME="Русский"')
    .replace(/NAME="subtitle_\d+"/, 'NAME="English",LANGUAGE="en"')
  writeFileSync(join(hls, 'master.m3u8'), master)
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-frames:v', '1', '-ss', '1', join(dir, 'poster.jpg')], 'poster')
  const perRow = 4
  const rows = Math.ceil(seconds / perRow)
  ffmpeg(['-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=25`, '-t', String(seconds), '-vf', `fps=1,scale=160:90,tile=${perRow}x${rows}`, '-frames:v', '1', join(sprites, 'sheet.jpg')], 'sprite')
  const stamp = (s) => `00:00:${String(s).padStart(2, '0')}.000`
  const cues = ['WEBVTT', '']
  for (let i = 0; i < seconds; i++) {
    cues.push(`${stamp(i)} --> ${stamp(i + 1)}`, `sheet.jpg#xywh=${(i % perRow) * 160},${Math.floor(i / perRow) * 90},160,90`, '')
  }
  writeFileSync(join(sprites, 'thumbnails.vtt'), cues.join('\n'))
  // DASH of the same film: video and two audio AdaptationSets with their languages.
  const dash = join(dir, 'dash')
  mkdirSync(dash, { recursive: true })
  ffmpeg(
    ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440', '-f', 'lavfi', '-i', 'sine=frequency=660',
      '-t', String(seconds), '-map', '0:v', '-map', '1:a', '-map', '2:a',
      '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '64k', '-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=rus',
      '-f', 'dash', '-seg_duration', '2', '-use_template', '1', '-use_timeline', '0',
      '-adaptation_sets', 'id=0,streams=v id=1,streams=1 id=2,streams=2', join(dash, 'manifest.mpd')],
    'dash',
  )
  return { master: 'hls/master.m3u8', dash: 'dash/manifest.mpd', poster: 'poster.jpg', spriteVtt: 'sprites/thumbnails.vtt', srt: 'subs.srt' }
}
