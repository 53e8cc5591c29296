// The latency bench's page code (bench/latency/reader.mjs loads it after stamp.cjs and, for HLS,
// hls.js): plays a stream, reads the clock stamp of every frame it presents, and (for WHIP) makes
// a stream of stamped frames in a canvas and publishes it.
'use strict'
;(function () {
  const L = (globalThis.latency = { samples: [], errors: [], info: {} })

  // Every frame the <video> presents (requestVideoFrameCallback): its stamp (null when it does
  // not read), when it is shown (wall clock, ms) and its media time (s).
  function watch(video) {
    const canvas = document.createElement('canvas')
    const ctx = canvas.getContext('2d', { willReadFrequently: true })
    const onFrame = (now, meta) => {
      const w = video.videoWidth
      if (w > 0) {
        const h = Math.min(video.videoHeight, Math.ceil((2 * w) / KekStamp.COLUMNS) + 1)
        if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h }
        ctx.drawImage(video, 0, 0, w, h, 0, 0, w, h)
        const stamp = KekStamp.decode(ctx.getImageData(0, 0, w, h).data, w, h)
        const shown = performance.timeOrigin + (meta.expectedDisplayTime || now)
        const media = meta.rtpTimestamp !== undefined ? meta.rtpTimestamp / 90000 : meta.mediaTime
        L.samples.push([shown, stamp, media, meta.rtpTimestamp !== undefined ? 1 : 0])
        L.info.size = `${w}x${video.videoHeight}`
      }
      video.requestVideoFrameCallback(onFrame)
    }
    video.requestVideoFrameCallback(onFrame)
  }

  // Each SourceBuffer hls.js makes, by track (its mime type), to read the tracks' buffered ranges
  // apart (video.buffered is only their intersection).
  const sourceBuffers = {}
  const addSourceBuffer = MediaSource.prototype.addSourceBuffer
  MediaSource.prototype.addSourceBuffer = function (mime) {
    const sb = addSourceBuffer.call(this, mime)
    sourceBuffers[/^audio\//.test(mime) ? 'audio' : /avc|video/.test(mime) ? 'video' : mime] = sb
    return sb
  }
  const r3 = (v) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 1000) / 1000 : v ?? null)
  const rangesOf = (tr) => { const a = []; try { for (let i = 0; i < tr.length; i++) a.push([r3(tr.start(i)), r3(tr.end(i))]) } catch {} return a }

  // The player's side of every stall, for bench/latency/stalls.mjs: L.trace.events holds each
  // 'waiting'/'playing' of the <video> and each non-fatal hls.js media error (stall reported,
  // nudge, hole skipped) with the playhead, each track's buffered ranges and what was appended last
  // per track; L.trace.appends every part/fragment appended (track, sn, part, media start/end, wall
  // clock); L.trace.ticks the playhead, hls.js's target latency, its latency estimate, the rate and
  // the buffer ahead per track every 250 ms.
  function trace(hls, video) {
    const T = (L.trace = { events: [], appends: [], ticks: [], loads: [], playlists: [], log: L.hlsLogLines ?? [] })
    const last = {}
    const ahead = () => {
      const ct = video.currentTime, out = {}
      for (const [k, sb] of Object.entries(sourceBuffers)) {
        let a = 0
        for (const [s, e] of rangesOf(sb.buffered)) if (s <= ct + 0.05 && e > ct) a = e - ct
        out[k] = r3(a)
      }
      return out
    }
    const lc = () => hls.latencyController
    const snap = (what, extra = {}) => {
      const ranges = {}
      for (const [k, sb] of Object.entries(sourceBuffers)) ranges[k] = rangesOf(sb.buffered)
      T.events.push({ wall: Date.now(), what, ct: r3(video.currentTime), ready: video.readyState, ahead: ahead(), ranges,
        target: r3(hls.targetLatency), latency: r3(hls.latency), stalls_hls: lc()?.stallCount ?? null, rate: video.playbackRate,
        last: JSON.parse(JSON.stringify(last)), ...extra })
    }
    for (const e of ['waiting', 'playing', 'seeking', 'seeked']) video.addEventListener(e, () => snap(e))
    hls.on(Hls.Events.ERROR, (_, d) => { if (!d.fatal) snap(d.details, { reason: String(d.error?.message ?? d.reason ?? '').slice(0, 200) }) })
    hls.on(Hls.Events.STALL_RESOLVED, () => snap('stall-resolved'))
    hls.on(Hls.Events.BUFFER_APPENDED, (_, d) => {
      const f = d.part ?? d.frag
      const a = { wall: Date.now(), type: d.type, sn: d.frag?.sn, part: d.part ? d.part.index : null,
        start: r3(f?.start), end: r3(f ? f.start + f.duration : null), ranges: rangesOf(d.timeRanges?.[d.type]) }
      last[d.type] = a
      T.appends.push(a)
    })
    // Each media playlist as hls.js took it: its last segment and part, where hls.js put them on
    // its timeline, and how long the (blocking) request took.
    for (const ev of [Hls.Events.LEVEL_LOADED, Hls.Events.AUDIO_TRACK_LOADED]) hls.on(ev, (_, d) => {
      const x = d.details, fr = x.fragments, st = d.stats?.loading
      T.playlists.push({ wall: Date.now(), type: ev === Hls.Events.LEVEL_LOADED ? 'main' : 'audio', url: String(d.url ?? '').replace(/^.*\//, ''),
        ms: st ? Math.round(st.end - st.start) : null, first: fr.length ? [fr[0].sn, r3(fr[0].start)] : null,
        last: fr.length ? [fr[fr.length - 1].sn, r3(fr[fr.length - 1].start), r3(fr[fr.length - 1].duration)] : null,
        parts: (x.partList ?? []).slice(-6).map((p) => `${p.fragment.sn}.${p.index}@${r3(p.start)}+${r3(p.duration)}`).join(' ') })
    })
    hls.on(Hls.Events.FRAG_LOADED, (_, d) => {
      const st = (d.part ?? d.frag)?.stats?.loading
      T.loads.push({ wall: Date.now(), type: d.frag?.type, sn: d.frag?.sn, part: d.part ? d.part.index : null,
        ms: st ? Math.round(st.end - st.start) : null, first_byte_ms: st ? Math.round(st.first - st.start) : null })
    })
    setInterval(() => T.ticks.push([Date.now(), r3(video.currentTime), r3(hls.targetLatency), r3(hls.latency), video.playbackRate,
      ahead(), video.readyState]), 250)
  }

  L.playHls = (src, lowLatency) => {
    const video = document.getElementById('v')
    // The player as KEK's watch page sets it up (webui/src/widgets/player/model/engines.ts), the
    // same for every server: low-latency mode, and on an LL-HLS playlist (PART-TARGET) catching up
    // with PART-HOLD-BACK at up to 1.25x after a stall; a plain playlist plays at 1x as before.
    // hls.js's own log (its `debug` logger), kept in the trace when the bench asks (HLS_LOG=1):
    // what its stream controllers decided (which part next, why they waited).
    const log = []
    const logger = (level) => (...a) => { if (log.length < 20000) log.push([Date.now(), level, a.map(String).join(' ').slice(0, 400)]) }
    const hls = new Hls({ lowLatencyMode: lowLatency,
      ...(L.hlsLog ? { debug: { log: logger('log'), info: logger('info'), warn: logger('warn'), error: logger('error'), debug: logger('debug') } } : {}) })
    L.hlsLogLines = log
    hls.on(Hls.Events.LEVEL_LOADED, (_, d) => { hls.config.maxLiveSyncPlaybackRate = lowLatency && d.details.partTarget > 0 ? 1.25 : 1 })
    hls.on(Hls.Events.ERROR, (_, d) => { if (d.fatal) L.errors.push(`hls.js ${d.type} ${d.details}`) })
    // What the player aims at when the session ends (hls.js adds liveSyncOnStallIncrease, 1 s, to
    // its target latency on every stall) and how often the picture waited: the report's per-try note.
    L.info.stalls = 0
    video.addEventListener('waiting', () => { if (L.samples.length) L.info.stalls++ })
    trace(hls, video)
    hls.loadSource(src)
    hls.attachMedia(video)
    video.play().catch(() => {})
    L.hls = hls
    L.info.player = `hls.js ${Hls.version}${lowLatency ? ' lowLatencyMode' : ''}`
    watch(video)
  }

  const iceDone = (pc) => new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve()
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve() })
    setTimeout(resolve, 5000)
  })

  // The WHEP/WHIP exchange: the offer (ICE gathered) POSTed as application/sdp, the answer set.
  async function exchange(pc, url, headers) {
    await pc.setLocalDescription(await pc.createOffer())
    await iceDone(pc)
    const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp', ...headers }, body: pc.localDescription.sdp })
    if (r.status !== 201) throw new Error(`POST ${url}: ${r.status} ${(await r.text()).slice(0, 200)}`)
    await pc.setRemoteDescription({ type: 'answer', sdp: await r.text() })
    return r.headers.get('Location')
  }

  L.playWhep = async (url) => {
    const video = document.getElementById('v')
    const pc = new RTCPeerConnection()
    pc.addTransceiver('video', { direction: 'recvonly' })
    pc.addTransceiver('audio', { direction: 'recvonly' })
    const stream = new MediaStream()
    pc.ontrack = (e) => { stream.addTrack(e.track); video.srcObject = stream; video.play().catch(() => {}) }
    pc.onconnectionstatechange = () => { if (pc.connectionState === 'failed') L.errors.push('WHEP: ICE/DTLS failed') }
    L.pc = pc
    L.info.player = 'RTCPeerConnection (WHEP)'
    watch(video)
    try { L.info.location = await exchange(pc, url, {}) } catch (e) { L.errors.push(String(e.message || e)) }
  }

  // A canvas drawn FPS times a second with the stamp of the moment it is drawn, as a video track,
  // and a tone: what the WHIP publisher sends.
  function stampedTracks(width, height, fps) {
    const canvas = document.createElement('canvas')
    canvas.width = width; canvas.height = height
    document.body.append(canvas)
    const ctx = canvas.getContext('2d')
    let n = 0
    const draw = () => {
      ctx.fillStyle = 'rgb(110,110,110)'
      ctx.fillRect(0, 0, width, height)
      ctx.fillStyle = 'rgb(200,200,200)'
      ctx.fillRect((n++ * 4) % (width - width / 16), (2 * width) / KekStamp.COLUMNS, width / 16, height)
      KekStamp.draw(ctx, width, Date.now())
    }
    draw()
    setInterval(draw, 1000 / fps)
    const video = canvas.captureStream(fps).getVideoTracks()[0]
    video.contentHint = 'detail'
    const audioCtx = new AudioContext()
    const osc = audioCtx.createOscillator()
    const dest = audioCtx.createMediaStreamDestination()
    osc.connect(dest); osc.start()
    return { video, audio: dest.stream.getAudioTracks()[0] }
  }

  // A sending peer connection for those tracks, H.264 only (KEK passes it through).
  async function sender(width, height, fps) {
    const tracks = stampedTracks(width, height, fps)
    const h264 = (RTCRtpSender.getCapabilities('video')?.codecs ?? []).filter((c) => /h264/i.test(c.mimeType))
    if (!h264.length) throw new Error('this Chromium has no H.264 encoder for WebRTC')
    const pc = new RTCPeerConnection()
    const vt = pc.addTransceiver(tracks.video, { direction: 'sendonly' })
    vt.setCodecPreferences(h264)
    pc.addTransceiver(tracks.audio, { direction: 'sendonly' })
    const params = vt.sender.getParameters()
    params.degradationPreference = 'maintain-resolution'
    await vt.sender.setParameters(params).catch(() => {})
    L.publisher = pc
    return pc
  }

  // WHIP: POST /api/whip/<app> with the stream key as the Bearer token.
  L.publishWhip = async (url, key, width, height, fps) => exchange(await sender(width, height, fps), url, { Authorization: `Bearer ${key}` })

  // The floor of any WebRTC path on this machine: the same sender straight into a receiving peer
  // connection in the page (encode, RTP, jitter buffer, decode; no server).
  L.loopback = async (width, height, fps) => {
    const video = document.getElementById('v')
    const pub = await sender(width, height, fps)
    const pc = new RTCPeerConnection()
    const stream = new MediaStream()
    pc.ontrack = (e) => { stream.addTrack(e.track); video.srcObject = stream; video.play().catch(() => {}) }
    pub.onicecandidate = (e) => e.candidate && pc.addIceCandidate(e.candidate)
    pc.onicecandidate = (e) => e.candidate && pub.addIceCandidate(e.candidate)
    await pub.setLocalDescription(await pub.createOffer())
    await pc.setRemoteDescription(pub.localDescription)
    await pc.setLocalDescription(await pc.createAnswer())
    await pub.setRemoteDescription(pc.localDescription)
    L.pc = pc
    L.info.player = 'RTCPeerConnection loopback (no server)'
    watch(video)
  }
})()
