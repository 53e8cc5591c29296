// A main() for the fuzz targets when they are not built with -fsanitize=fuzzer (g++ builds,
// `meson test --suite fuzz`): runs LLVMFuzzerTestOneInput over every seed in the corpus
// directories or files given, then over seeded random mutations of them until a run or time
// budget is spent. It is a smoke pass, not coverage-guided fuzzing: that is the clang build.
//
//   rtmp-fuzz-amf0-driver CORPUS_DIR... [--max-seconds=N] [--max-runs=N] [--seed=N]
//
// A crash (abort, sanitizer report, segfault) fails the test; the input being run is written
// to ./fuzz-crash-input first so it can be replayed and added to the corpus.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using Input = std::vector<std::uint8_t>;
constexpr std::size_t kMaxInputSize = 1 << 16;

// The input being run, for the crash handler. A signal handler can reach nothing else, so this
// one piece of process state is global; only main() writes it.
const Input* g_current_input = nullptr;

void write_crash_input(int signal_number) {
  if (g_current_input != nullptr) {
    int fd = ::open("fuzz-crash-input", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ssize_t ignored = ::write(fd, g_current_input->data(), g_current_input->size());
      (void)ignored;
      ::close(fd);
    }
    static const char kMessage[] = "fuzz driver: crashing input saved to ./fuzz-crash-input\n";
    ssize_t ignored = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    (void)ignored;
  }
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

// splitmix64: deterministic, so a failing mutation run can be repeated with --seed (printed).
struct Random {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
};

Input read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Input(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void mutate(Input& data, const std::vector<Input>& corpus, Random& rng) {
  static constexpr std::uint8_t kInteresting[] = {0x00, 0x01, 0x02, 0x03, 0x3f, 0x40, 0x7f,
                                                  0x80, 0xc0, 0xfe, 0xff};
  const std::size_t steps = 1 + rng.below(4);
  for (std::size_t step = 0; step < steps; ++step) {
    switch (rng.below(8)) {
      case 0:  // flip a bit
        if (!data.empty()) data[rng.below(data.size())] ^= static_cast<std::uint8_t>(1u << rng.below(8));
        break;
      case 1:  // set a byte to a random or boundary value
        if (!data.empty()) {
          data[rng.below(data.size())] = rng.below(2) ? static_cast<std::uint8_t>(rng.next())
                                                      : kInteresting[rng.below(sizeof kInteresting)];
        }
        break;
      case 2: {  // insert bytes
        const std::size_t at = rng.below(data.size() + 1);
        const std::size_t n = 1 + rng.below(8);
        for (std::size_t i = 0; i < n; ++i) {
          data.insert(data.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(rng.next()));
        }
        break;
      }
      case 3:  // erase a range
        if (!data.empty()) {
          const std::size_t at = rng.below(data.size());
          const std::size_t n = 1 + rng.below(std::min<std::size_t>(16, data.size() - at));
          data.erase(data.begin() + static_cast<std::ptrdiff_t>(at), data.begin() + static_cast<std::ptrdiff_t>(at + n));
        }
        break;
      case 4:  // truncate
        data.resize(rng.below(data.size() + 1));
        break;
      case 5: {  // duplicate a range
        if (data.empty()) break;
        const std::size_t at = rng.below(data.size());
        const std::size_t n = 1 + rng.below(std::min<std::size_t>(64, data.size() - at));
        Input copy(data.begin() + static_cast<std::ptrdiff_t>(at), data.begin() + static_cast<std::ptrdiff_t>(at + n));
        data.insert(data.begin() + static_cast<std::ptrdiff_t>(rng.below(data.size() + 1)), copy.begin(), copy.end());
        break;
      }
      case 6: {  // splice the tail of another seed
        const Input& other = corpus[rng.below(corpus.size())];
        if (other.empty()) break;
        const std::size_t from = rng.below(other.size());
        data.resize(rng.below(data.size() + 1));
        data.insert(data.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        break;
      }
      case 7:  // a 32-bit big-endian boundary value (lengths, chunk sizes, timestamps)
        if (data.size() >= 4) {
          static constexpr std::uint32_t kValues[] = {0, 1, 0x7f, 0xff, 0xffff, 0xffffff, 0x1000000,
                                                      0x7fffffff, 0x80000000, 0xffffffff};
          const std::uint32_t v = kValues[rng.below(std::size(kValues))];
          const std::size_t at = rng.below(data.size() - 3);
          for (std::size_t i = 0; i < 4; ++i) data[at + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
        }
        break;
    }
  }
  if (data.size() > kMaxInputSize) data.resize(kMaxInputSize);
}

bool parse_number(const std::string& arg, const char* prefix, std::uint64_t& out) {
  const std::size_t n = std::strlen(prefix);
  if (arg.compare(0, n, prefix) != 0) return false;
  out = std::strtoull(arg.c_str() + n, nullptr, 10);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // Seeded from the clock, so every run explores other mutations; printed first, so a crash can
  // be replayed with --seed=N.
  std::uint64_t max_seconds = 5, max_runs = 100000,
                seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  std::vector<Input> corpus;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (parse_number(arg, "--max-seconds=", max_seconds) || parse_number(arg, "--max-runs=", max_runs) ||
        parse_number(arg, "--seed=", seed)) {
      continue;
    }
    if (arg.rfind("-", 0) == 0) {
      std::cerr << "unknown option " << arg << "\n";
      return 2;
    }
    const std::filesystem::path path(arg);
    if (std::filesystem::is_directory(path)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) corpus.push_back(read_file(file));
    } else if (std::filesystem::is_regular_file(path)) {
      corpus.push_back(read_file(path));
    } else {
      std::cerr << "no such corpus file or directory: " << arg << "\n";
      return 2;
    }
  }
  if (corpus.empty()) corpus.emplace_back();

  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, write_crash_input);

  for (const Input& input : corpus) {
    g_current_input = &input;
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }

  std::cout << "fuzz driver: seed " << seed << " (replay: --seed=" << seed << ")" << std::endl;
  Random rng{seed};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(max_seconds);
  std::uint64_t runs = 0;
  Input input;
  while (runs < max_runs && (runs % 256 != 0 || std::chrono::steady_clock::now() < deadline)) {
    input = corpus[rng.below(corpus.size())];
    mutate(input, corpus, rng);
    g_current_input = &input;
    LLVMFuzzerTestOneInput(input.data(), input.size());
    ++runs;
  }
  g_current_input = nullptr;
  std::cout << "fuzz driver: " << corpus.size() << " seeds and " << runs << " mutated inputs ran clean (seed "
            << seed << ")\n";
  return 0;
}
