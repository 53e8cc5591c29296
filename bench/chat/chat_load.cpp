// Chat load generator for bench/chat.sh: N receivers and S senders on WebSockets, one thread,
// one GLib main loop. Each sender sends its share of RATE messages a second, each carrying its
// send time (CLOCK_MONOTONIC, shared by the processes on this machine); every receiver notes how
// long each message took to reach it. Prints one line of key=value results.
//
//   chat-load --url ws://127.0.0.1:PORT/api/chat/STREAM --receivers 500 --rate 50 --seconds 20
//             [--cookies FILE (one kek_session per line: the senders)] [--frame kek|raw] [--dump FILE]
//
// bench/chat.sh runs several at once (LOAD_PROCS), each with its share of receivers, senders and
// rate, and merges their --dump files: one process alone cannot read 25,000 messages a second.
//
// --frame kek sends {"type":"send","text":"..."}; raw sends the text as is (the reference server).
#include <libsoup/soup.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace {

struct Options {
  std::string url;
  int receivers = 500;
  int rate = 50;
  int seconds = 20;
  int warmup = 3;
  std::string cookies_file;
  bool kek_frames = true;
  std::string dump;  // every measured latency (us), one a line, for merging several processes
  int64_t begin_at_us = 0;  // CLOCK_MONOTONIC time to start sending (several processes in step)
};

struct Client {
  SoupWebsocketConnection* connection = nullptr;
  bool failed = false;
  bool sender = false;
};

struct State {
  Options options;
  SoupSession* session = nullptr;
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<std::string> cookies;
  int connected = 0;
  int failed = 0;
  bool measuring = false;
  int64_t sent = 0;
  int64_t refused = 0;        // error frames (rate limit...)
  int64_t delivered = 0;      // measured deliveries
  std::vector<int64_t> latencies_us;
  std::vector<std::pair<int64_t, int64_t>> received;  // (sent at, latency), every message, for --dump
  std::vector<int64_t> sent_at;                         // when each of ours went out, for --dump
  int64_t next_sender = 0;
  int64_t rate_origin_us = 0;  // when sending began
  int64_t issued = 0;          // messages sent since then
  int64_t window_start_us = 0;  // messages sent in [start, end) are measured
  int64_t window_end_us = 0;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--url") o.url = v;
    else if (k == "--receivers") o.receivers = std::atoi(v.c_str());
    else if (k == "--rate") o.rate = std::atoi(v.c_str());
    else if (k == "--seconds") o.seconds = std::atoi(v.c_str());
    else if (k == "--warmup") o.warmup = std::atoi(v.c_str());
    else if (k == "--cookies") o.cookies_file = v;
    else if (k == "--frame") o.kek_frames = v == "kek";
    else if (k == "--dump") o.dump = v;
    else if (k == "--begin-at-us") o.begin_at_us = std::strtoll(v.c_str(), nullptr, 10);
  }
  return o;
}

void on_message(SoupWebsocketConnection*, gint, GBytes* bytes, gpointer data) {
  auto* st = static_cast<State*>(data);
  gsize size = 0;
  const char* text = static_cast<const char*>(g_bytes_get_data(bytes, &size));
  std::string_view frame(text, size);
  if (frame.find("\"type\":\"error\"") != std::string_view::npos) {
    ++st->refused;
    return;
  }
  size_t at = frame.find("t=");
  if (at == std::string_view::npos) return;
  const int64_t sent_us = std::strtoll(std::string(frame.substr(at + 2, 20)).c_str(), nullptr, 10);
  if (!st->options.dump.empty() && sent_us > 0) st->received.emplace_back(sent_us, g_get_monotonic_time() - sent_us);
  if (sent_us < st->window_start_us || sent_us >= st->window_end_us) return;
  ++st->delivered;
  st->latencies_us.push_back(g_get_monotonic_time() - sent_us);
}

void connect_one(State* st, Client* client, const std::string& cookie) {
  SoupMessage* msg = soup_message_new("GET", st->options.url.c_str());
  if (!cookie.empty()) soup_message_headers_append(soup_message_get_request_headers(msg), "Cookie", ("kek_session=" + cookie).c_str());
  struct Ctx {
    State* st;
    Client* client;
  };
  Ctx* ctx = std::make_unique<Ctx>(Ctx{st, client}).release();  // the callback, which always runs, frees it
  soup_session_websocket_connect_async(
      st->session, msg, nullptr, nullptr, G_PRIORITY_DEFAULT, nullptr,
      [](GObject* source, GAsyncResult* result, gpointer data) {
        std::unique_ptr<Ctx> c(static_cast<Ctx*>(data));
        GError* error = nullptr;
        c->client->connection = soup_session_websocket_connect_finish(SOUP_SESSION(source), result, &error);
        if (!c->client->connection) {
          c->client->failed = true;
          ++c->st->failed;
          if (c->st->failed <= 3) std::fprintf(stderr, "chat-load: connect failed: %s\n", error ? error->message : "?");
          g_clear_error(&error);
          return;
        }
        soup_websocket_connection_set_max_incoming_payload_size(c->client->connection, 1 << 24);
        g_signal_connect(c->client->connection, "message", G_CALLBACK(on_message), c->st);
        ++c->st->connected;
      },
      ctx);
  g_object_unref(msg);
}

void send_one(State* st, const std::vector<Client*>& senders) {
  Client* c = senders[static_cast<size_t>(st->next_sender++) % senders.size()];
  char text[160];
  const int64_t now = g_get_monotonic_time();
  std::snprintf(text, sizeof text, "t=%lld a chat line of ordinary length, with some words in it",
                static_cast<long long>(now));
  if (!st->options.dump.empty()) st->sent_at.push_back(now);
  std::string frame = st->options.kek_frames ? std::string("{\"type\":\"send\",\"text\":\"") + text + "\"}" : text;
  soup_websocket_connection_send_text(c->connection, frame.c_str());
  if (st->measuring) ++st->sent;
}

// Keeps the rate whatever the timer's drift: sends what should have gone out by now.
gboolean send_tick(gpointer data) {
  auto* st = static_cast<State*>(data);
  std::vector<Client*> senders;
  for (auto& c : st->clients)
    if (c->sender && c->connection) senders.push_back(c.get());
  if (senders.empty()) return G_SOURCE_CONTINUE;
  const int64_t now = g_get_monotonic_time();
  if (st->rate_origin_us == 0) st->rate_origin_us = now;
  const int64_t due = (now - st->rate_origin_us) * st->options.rate / G_USEC_PER_SEC + 1;
  while (st->issued < due) {
    send_one(st, senders);
    ++st->issued;
  }
  return G_SOURCE_CONTINUE;
}

int64_t percentile(std::vector<int64_t>& v, double p) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())) - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  State st;
  st.options = parse(argc, argv);
  if (st.options.url.empty()) {
    std::fprintf(stderr, "usage: chat-load --url ws://... [--receivers N] [--rate M] [--seconds S] [--cookies FILE] [--frame kek|raw]\n");
    return 2;
  }
  if (!st.options.cookies_file.empty()) {
    std::ifstream in(st.options.cookies_file);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) st.cookies.push_back(line);
  }
  const int senders = st.cookies.empty() ? std::max(1, st.options.rate / 2) : static_cast<int>(st.cookies.size());
  st.session = soup_session_new_with_options("max-conns", 100000, "max-conns-per-host", 100000, nullptr);
  const int total = st.options.receivers + senders;
  const gint64 connect_deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
  // A few dozen at a time, as people arrive, rather than a SYN flood.
  constexpr int kBatch = 25;
  for (int i = 0; i < total; ++i) {
    auto c = std::make_unique<Client>();
    c->sender = i >= st.options.receivers;
    std::string cookie = c->sender && !st.cookies.empty() ? st.cookies[static_cast<size_t>(i - st.options.receivers)] : "";
    connect_one(&st, c.get(), cookie);
    st.clients.push_back(std::move(c));
    while (st.connected + st.failed <= i - kBatch && g_get_monotonic_time() < connect_deadline) g_main_context_iteration(nullptr, TRUE);
  }
  while (st.connected + st.failed < total && g_get_monotonic_time() < connect_deadline) g_main_context_iteration(nullptr, TRUE);
  std::fprintf(stderr, "chat-load: %d connected, %d failed\n", st.connected, st.failed);

  while (st.options.begin_at_us > 0 && g_get_monotonic_time() < st.options.begin_at_us) g_main_context_iteration(nullptr, TRUE);
  const guint interval_ms = static_cast<guint>(std::max(1, 1000 / std::max(1, st.options.rate)));
  guint tick = g_timeout_add(interval_ms, send_tick, &st);
  const gint64 warm_end = g_get_monotonic_time() + st.options.warmup * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < warm_end) g_main_context_iteration(nullptr, TRUE);
  const gint64 start = g_get_monotonic_time();
  const gint64 end = start + st.options.seconds * G_USEC_PER_SEC;
  st.window_start_us = start;
  st.window_end_us = end;
  st.measuring = true;
  while (g_get_monotonic_time() < end) g_main_context_iteration(nullptr, TRUE);
  st.measuring = false;  // sends after the window are not counted; their deliveries neither
  g_source_remove(tick);
  const gint64 drain_end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < drain_end) g_main_context_iteration(nullptr, TRUE);
  const double elapsed = static_cast<double>(end - start) / 1e6;

  const int64_t expected = st.sent * (st.options.receivers + senders);
  std::printf("clients=%d connected=%d sent=%lld rate=%.1f expected=%lld delivered=%lld refused=%lld "
              "p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
              total, st.connected, static_cast<long long>(st.sent), static_cast<double>(st.sent) / elapsed,
              static_cast<long long>(expected), static_cast<long long>(st.delivered), static_cast<long long>(st.refused),
              percentile(st.latencies_us, 0.50) / 1000.0, percentile(st.latencies_us, 0.95) / 1000.0,
              percentile(st.latencies_us, 0.99) / 1000.0,
              st.latencies_us.empty() ? 0.0 : *std::max_element(st.latencies_us.begin(), st.latencies_us.end()) / 1000.0);
  if (!st.options.dump.empty()) {
    // "W start end" (this process's window), "S at" (a send), "R sent_at latency" (a receipt).
    std::ofstream out(st.options.dump);
    out << "W " << st.window_start_us << ' ' << st.window_end_us << '\n';
    for (int64_t at : st.sent_at) out << "S " << at << '\n';
    for (const auto& [at, latency] : st.received) out << "R " << at << ' ' << latency << '\n';
  }
  for (auto& c : st.clients)
    if (c->connection) g_object_unref(c->connection);
  g_object_unref(st.session);
  return 0;
}
