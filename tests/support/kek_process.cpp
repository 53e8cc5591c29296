#include "support/kek_process.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

namespace kek::test {

std::string make_temp_dir() {
  g_autofree char* d = g_dir_make_tmp("kek-it-XXXXXX", nullptr);
  return d;
}

void remove_tree(const std::string& path) {
  if (g_file_test(path.c_str(), G_FILE_TEST_IS_DIR) && !g_file_test(path.c_str(), G_FILE_TEST_IS_SYMLINK)) {
    if (GDir* d = g_dir_open(path.c_str(), 0, nullptr)) {
      while (const char* name = g_dir_read_name(d)) remove_tree(path + "/" + name);
      g_dir_close(d);
    }
  }
  g_remove(path.c_str());
}

namespace {

std::vector<char*> c_argv(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  for (const auto& x : extra) env.push_back(x);
  return env;
}

int wait_pid(GPid pid, int timeout_ms, bool* exited) {
  const int64_t deadline = g_get_monotonic_time() + int64_t{timeout_ms} * 1000;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      *exited = true;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    if (g_get_monotonic_time() > deadline) return -1;
    g_usleep(10000);
  }
}

// Every child a test starts dies with the test process, however that ends (a failed ASSERT, the
// SIGKILL of a timeout, Ctrl-C): it is forked with PR_SET_PDEATHSIG = SIGKILL. The kernel sends
// that signal when the *thread* that forked exits, not the process, so all forks happen on one
// thread that lives as long as the test process: a server started from a short-lived
// std::thread keeps running after that thread ends.
class Forker {
 public:
  static GPid run(std::function<GPid()> fork_child) {
    static const std::shared_ptr<Queue> queue = start();  // the thread holds it too, past exit()
    std::packaged_task<GPid()> task(std::move(fork_child));
    std::future<GPid> pid = task.get_future();
    {
      std::lock_guard<std::mutex> lock(queue->mutex);
      queue->tasks.push_back(std::move(task));
    }
    queue->wake.notify_one();
    return pid.get();
  }

 private:
  struct Queue {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::packaged_task<GPid()>> tasks;
  };

  static std::shared_ptr<Queue> start() {
    auto queue = std::make_shared<Queue>();
    std::thread([queue] {
      for (;;) {
        std::unique_lock<std::mutex> lock(queue->mutex);
        queue->wake.wait(lock, [&] { return !queue->tasks.empty(); });
        auto task = std::move(queue->tasks.front());
        queue->tasks.pop_front();
        lock.unlock();
        task();
      }
    }).detach();
    return queue;
  }
};

// In the child between fork and exec (async-signal-safe calls only).
void die_with_parent(gpointer parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent died before the prctl: nobody would send the signal.
  if (getppid() != *static_cast<pid_t*>(parent)) _exit(127);
}

GPid spawn(std::vector<std::string> argv, const std::vector<std::string>& extra_env, const std::string& log_path) {
  int fd = g_open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  auto env = environment_with(extra_env);
  auto cargv = c_argv(argv);
  auto cenv = c_argv(env);
  GError* err = nullptr;
  GPid pid = Forker::run([&] {
    GPid child = 0;
    pid_t parent = getpid();
    if (!g_spawn_async_with_fds(nullptr, cargv.data(), cenv.data(),
                                static_cast<GSpawnFlags>(G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH),
                                die_with_parent, &parent, &child, -1, fd, fd, &err))
      return GPid{0};
    return child;
  });
  const bool ok = pid > 0;
  close(fd);
  if (!ok) {
    g_printerr("spawn %s failed: %s\n", argv[0].c_str(), err->message);
    g_error_free(err);
    return 0;
  }
  return pid;
}

std::string read_file(const std::string& path) {
  g_autofree char* text = nullptr;
  gsize len = 0;
  if (!g_file_get_contents(path.c_str(), &text, &len, nullptr)) return "";
  return std::string(text, len);
}

}  // namespace

KekProcess::KekProcess(KekOptions options) {
  data_dir_ = options.data_dir.empty() ? make_temp_dir() : options.data_dir;
  config_path_ = data_dir_ + "/kek.yaml";
  log_path_ = data_dir_ + "/kek.log";
  // A data folder used again (a restart): this process's output starts where the last one's ended.
  log_offset_ = read_file(log_path_).size();
  std::string yaml = "data_dir: " + data_dir_ + "\ndatabase: " + data_dir_ + "/kek.db\nmedia_dir: " + data_dir_ +
                     "/media\nhttp: {address: 127.0.0.1, port: 0}\nshutdown_timeout_s: 5\n";
  std::string extra = options.extra_yaml;
  if (extra.find("plugins:") == std::string::npos) {
    yaml += std::string("plugins:\n") + kOutputPlugins + "  - {name: rtmp, optional: true, args: {address: 127.0.0.1, port: 0}}\n";
  } else if (size_t list = extra.find("plugins:\n"); list != std::string::npos && extra.find("name: hls") == std::string::npos) {
    // A test that names its plugins gets the live outputs too, as kek.yaml has them: a stream it
    // publishes is packaged as in a real install.
    extra.insert(list + std::string("plugins:\n").size(), kOutputPlugins);
  }
  yaml += extra;
  g_file_set_contents(config_path_.c_str(), yaml.c_str(), -1, nullptr);
  std::vector<std::string> argv = options.wrapper;
  for (const char* a : {KEK_EXE, "serve", "--config"}) argv.push_back(a);
  argv.push_back(config_path_);
  for (const auto& a : options.args) argv.push_back(a);
  pid_ = spawn(argv, options.env, log_path_);
  if (options.wait_ready) read_until_ready(30000);
}

KekProcess::~KekProcess() {
  if (running()) stop();
  if (!g_getenv("KEK_KEEP_TEST_DIRS")) remove_tree(data_dir_);
}

std::string KekProcess::output() const { return read_file(log_path_).substr(log_offset_); }

std::string KekProcess::endpoint(const std::string& name) const {
  auto it = endpoints_.find(name);
  return it == endpoints_.end() ? "" : it->second;
}

void KekProcess::read_until_ready(int timeout_ms) {
  const int64_t deadline = g_get_monotonic_time() + int64_t{timeout_ms} * 1000;
  while (g_get_monotonic_time() < deadline) {
    std::string out = output();
    size_t at = out.find("KEK_READY ");
    if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
      std::istringstream line(out.substr(at + 10, out.find('\n', at) - at - 10));
      std::string item;
      while (line >> item) {
        size_t eq = item.find('=');
        if (eq != std::string::npos) endpoints_[item.substr(0, eq)] = item.substr(eq + 1);
      }
      ready_ = endpoints_.count("http") > 0;
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return;
    }
    g_usleep(20000);
  }
}

void KekProcess::signal(int signo) {
  if (running()) kill(pid_, signo);
}

int KekProcess::wait_exit(int timeout_ms) {
  if (exited_) return exit_status_;
  int rc = wait_pid(pid_, timeout_ms, &exited_);
  if (exited_) exit_status_ = rc;
  return exited_ ? exit_status_ : -1;
}

int KekProcess::stop(int timeout_ms) {
  if (!running()) return exit_status_;
  kill(pid_, SIGTERM);
  int rc = wait_exit(timeout_ms);
  if (!exited_) {
    kill(pid_, SIGKILL);
    wait_exit(5000);
    return -1;
  }
  return rc;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env)
    : dir_(make_temp_dir()) {
  pid_ = spawn(argv, extra_env, dir_ + "/out.log");
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGKILL);
    wait_pid(pid_, 5000, &exited_);
  }
  remove_tree(dir_);
}

int BackgroundProcess::wait(int timeout_ms) {
  if (pid_ <= 0) return -1;
  if (exited_) return status_;
  int rc = wait_pid(pid_, timeout_ms, &exited_);
  if (exited_) {
    status_ = rc;
    return rc;
  }
  kill(pid_, SIGKILL);
  wait_pid(pid_, 5000, &exited_);
  return -1;
}

bool BackgroundProcess::running() {
  if (pid_ <= 0 || exited_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    exited_ = true;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

void BackgroundProcess::kill_now(int signo) {
  if (running()) kill(pid_, signo);
}

std::string BackgroundProcess::output() const { return read_file(dir_ + "/out.log"); }

std::pair<int, std::string> run_command(const std::vector<std::string>& argv, int timeout_ms,
                                        const std::vector<std::string>& extra_env) {
  std::string dir = make_temp_dir();
  std::string log = dir + "/out.log";
  GPid pid = spawn(argv, extra_env, log);
  if (!pid) {
    remove_tree(dir);
    return {-1, "could not start " + argv[0]};
  }
  bool exited = false;
  int rc = wait_pid(pid, timeout_ms, &exited);
  if (!exited) {
    kill(pid, SIGKILL);
    wait_pid(pid, 5000, &exited);
    rc = -1;
  }
  std::string out = read_file(log);
  remove_tree(dir);
  return {rc, out};
}

}  // namespace kek::test
