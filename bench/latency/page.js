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

  L.playHls = (src, lowLatency) => {
    const video = document.getElementById('v')
    // The player as KEK's watch page sets it up (webui/src/widgets/player/model/engines.ts), the
    // same for every server: low-latency mode, and on an LL-HLS playlist (PART-TARGET) catching up
    // with PART-HOLD-BACK at up to 1.25x after a stall; a plain playlist plays at 1x as before.
    const hls = new Hls({ lowLatencyMode: lowLatency })
    hls.on(Hls.Events.LEVEL_LOADED, (_, d) => { hls.config.maxLiveSyncPlaybackRate = lowLatency && d.details.partTarget > 0 ? 1.25 : 1 })
    hls.on(Hls.Events.ERROR, (_, d) => { if (d.fatal) L.errors.push(`hls.js ${d.type} ${d.details}`) })
    // What the player aims at when the session ends (hls.js adds liveSyncOnStallIncrease, 1 s, to
    // its target latency on every stall) and how often the picture waited: the report's per-try note.
    L.info.stalls = 0
    video.addEventListener('waiting', () => { if (L.samples.length) L.info.stalls++ })
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
