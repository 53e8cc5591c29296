// A real `kek serve` for integration tests: its own temporary data folder, HTTP and RTMP on
// ports it picks itself (port 0), stopped with SIGTERM when the test ends. Every process started
// here (kek, a publisher, a command) is killed by the kernel if the test process dies first.
#pragma once

#include <glib.h>

#include <map>
#include <string>
#include <vector>

namespace kek::test {

// The plugins whose outputs live layouts list (hls, dash, the preview picture) and the rungs'
// scaler (swscale), as entries of a config's plugins: list (KekProcess adds them to a test's own
// list that lacks them).
inline constexpr const char* kOutputPlugins =
    "  - {name: hls, optional: true}\n  - {name: dash, optional: true}\n  - {name: thumbnails, optional: true}\n"
    "  - {name: swscale, optional: true}\n";

struct KekOptions {
  // Extra YAML appended to the generated config (plugins:, pipelines:, ...). When it has no
  // plugins: key, the live output plugins (kOutputPlugins) and rtmp (port 0) are loaded; a
  // block-style plugins: list without hls gets kOutputPlugins at its top.
  std::string extra_yaml;
  std::vector<std::string> env;  // extra NAME=value
  std::vector<std::string> args;  // after `serve --config FILE`
  bool wait_ready = true;
  // An existing folder to run in (kept data from an earlier run, a restored backup); empty: a
  // new temporary one. Removed with the process either way.
  std::string data_dir;  // A command kek runs under, before its own argv (e.g. unshare with a small tmpfs mounted for
  // a disk that fills); empty: kek itself.
  std::vector<std::string> wrapper;
};

class KekProcess {
 public:
  explicit KekProcess(KekOptions options = {});
  ~KekProcess();
  KekProcess(const KekProcess&) = delete;
  KekProcess& operator=(const KekProcess&) = delete;

  bool ready() const { return ready_; }
  const std::string& http_url() const { return endpoints_.at("http"); }  // "http://127.0.0.1:PORT/"
  std::string endpoint(const std::string& name) const;  // "rtmp" -> "rtmp://127.0.0.1:PORT/live"
  const std::string& data_dir() const { return data_dir_; }
  std::string media_dir() const { return data_dir_ + "/media"; }
  const std::string& config_path() const { return config_path_; }
  // Everything the process printed so far (stdout and stderr), for failure messages.
  std::string output() const;

  void signal(int signo);
  // Sends SIGTERM and waits for exit; returns the exit status (-1 on timeout, then SIGKILL).
  int stop(int timeout_ms = 15000);
  // Waits for the process to exit by itself.
  int wait_exit(int timeout_ms);
  bool running() const { return pid_ > 0 && !exited_; }
  GPid pid() const { return pid_; }

 private:
  void read_until_ready(int timeout_ms);

  std::string data_dir_;
  std::string config_path_;
  std::string log_path_;
  size_t log_offset_ = 0;
  GPid pid_ = 0;
  bool exited_ = false;
  int exit_status_ = -1;
  bool ready_ = false;
  std::map<std::string, std::string> endpoints_;
};

// Any other program in the background (a publisher), with its output captured.
class BackgroundProcess {
 public:
  explicit BackgroundProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {});
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  bool started() const { return pid_ > 0; }
  // Exit status, or -1 if it did not exit in time (it is then killed).
  int wait(int timeout_ms);
  bool running();
  void kill_now(int signo = 9);
  std::string output() const;
  GPid pid() const { return pid_; }

 private:
  std::string dir_;
  GPid pid_ = 0;
  bool exited_ = false;
  int status_ = -1;
};

// Runs a command to completion (bounded) and returns (exit status, stdout+stderr).
std::pair<int, std::string> run_command(const std::vector<std::string>& argv, int timeout_ms = 60000,
                                        const std::vector<std::string>& extra_env = {});

// Makes a fresh temporary folder (removed by the caller's TempDir or left for inspection).
std::string make_temp_dir();
void remove_tree(const std::string& path);

}  // namespace kek::test
