// A progress bar on stderr, drawn only when stderr is a terminal.
#ifndef FEDLINK_NODE_CLI_PROGRESS_H_
#define FEDLINK_NODE_CLI_PROGRESS_H_

#include <unistd.h>

#include <cstdio>
#include <string>

namespace fedlink::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label) : label_(std::move(label)), tty_(isatty(2) == 1) {}
  ~ProgressBar() { Finish(); }
  void Update(size_t done, size_t total) {
    if (!tty_ || total == 0) return;
    const int width = 40;
    const int filled = static_cast<int>(width * done / total);
    std::fprintf(stderr, "\r%s [%s%s] %zu/%zu", label_.c_str(), std::string(filled, '#').c_str(),
                 std::string(width - filled, ' ').c_str(), done, total);
    drawn_ = true;
  }
  void Finish() {
    if (drawn_) std::fprintf(stderr, "\n");
    drawn_ = false;
  }

 private:
  std::string label_;
  bool tty_;
  bool drawn_ = false;
};

}  // namespace fedlink::cli

#endif  // FEDLINK_NODE_CLI_PROGRESS_H_
