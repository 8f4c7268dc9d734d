#include "text_file.h"

#include <zlib.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace truce::formats {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

Error TooLarge(std::string_view file, size_t limit, std::string_view what) {
  return MakeError(ErrorCode::kInvalidInput,
                   fmt::format("{}: {} more than {}, the limit for an input file", file, what,
                               FormatBytes(limit)));
}

bool IsGzip(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1F &&
         static_cast<unsigned char>(data[1]) == 0x8B;
}

}  // namespace

std::string FormatBytes(size_t bytes) {
  if (bytes >= (size_t{1} << 20) && bytes % (size_t{1} << 20) == 0) {
    return fmt::format("{} MiB", bytes >> 20);
  }
  if (bytes >= (size_t{1} << 20)) return fmt::format("{:.1f} MiB", bytes / 1048576.0);
  if (bytes >= 1024) return fmt::format("{:.1f} KiB", bytes / 1024.0);
  return fmt::format("{} bytes", bytes);
}

struct GzipInflater::Stream {
  z_stream zs{};
  bool started = false;
  Stream() { started = inflateInit2(&zs, 15 + 16) == Z_OK; }
  ~Stream() {
    if (started) inflateEnd(&zs);
  }
};

GzipInflater::GzipInflater(std::string_view file, const ReadLimits& limits)
    : stream_(std::make_unique<Stream>()), file_(file), limits_(limits) {}
GzipInflater::~GzipInflater() = default;

Status GzipInflater::Feed(std::string_view data, bool last, const TextChunkFn& sink) {
  if (done_) return Status::Ok();
  if (!stream_->started) {
    return MakeError(ErrorCode::kIo, fmt::format("{}: cannot start gzip decompression", file_));
  }
  std::string joined;
  if (!carry_.empty()) {
    joined = std::exchange(carry_, std::string()).append(data);
    data = joined;
  }
  z_stream& zs = stream_->zs;
  size_t at = 0;  // bytes of `data` zlib has taken
  char buf[1 << 16];
  for (;;) {
    if (between_) {
      // Another gzip member may follow (concatenated files); anything else is trailing
      // padding, ignored as gzip(1) does. Two bytes tell.
      const std::string_view rest = data.substr(at);
      if (rest.size() < 2 && !last) {
        carry_.clear();  // at most one byte
        if (!rest.empty()) carry_.push_back(rest.front());
        return Status::Ok();
      }
      if (!IsGzip(rest)) {
        done_ = true;
        return Status::Ok();
      }
      inflateReset(&zs);
      between_ = false;
    }
    // Pending output comes with the next piece; only the last is inflated dry.
    if (at == data.size() && !last) return Status::Ok();
    const size_t given = std::min<size_t>(data.size() - at, UINT32_MAX);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + at));
    zs.avail_in = static_cast<uInt>(given);
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    const int ret = inflate(&zs, Z_NO_FLUSH);
    const size_t produced = sizeof buf - zs.avail_out;
    const size_t taken = given - zs.avail_in;
    at += taken;
    consumed_ += taken;
    if (produced_ + produced > limits_.max_bytes) {
      return TooLarge(file_, limits_.max_bytes, "decompresses to");
    }
    produced_ += produced;
    if (produced > 0 && !sink(std::string_view(buf, produced))) {
      done_ = true;
      return Status::Ok();
    }
    if (produced_ > limits_.gzip_ratio_grace && produced_ / limits_.max_gzip_ratio > consumed_) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("{}: decompresses to more than {} times its compressed size "
                                   "({} from {} so far), the limit for gzip input (a gzip bomb?)",
                                   file_, limits_.max_gzip_ratio, FormatBytes(produced_),
                                   FormatBytes(consumed_)));
    }
    if (ret == Z_STREAM_END) {
      between_ = true;
      continue;
    }
    if (ret == Z_OK) continue;
    if (ret == Z_BUF_ERROR && at == data.size()) {
      if (!last) return Status::Ok();
      return MakeError(
          ErrorCode::kInvalidInput,
          fmt::format("{}: truncated gzip data (the compressed stream ends early)", file_));
    }
    if (ret == Z_BUF_ERROR) continue;
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}: not a readable gzip file: {}", file_,
                                 zs.msg != nullptr ? zs.msg : "corrupt data"));
  }
}

Status GunzipChunks(std::string_view data, std::string_view file, const ReadLimits& limits,
                    const TextChunkFn& sink) {
  GzipInflater inflater(file, limits);
  return inflater.Feed(data, true, sink);
}

Result<std::string> Gunzip(std::string_view data, std::string_view file, const ReadLimits& limits) {
  std::string out;
  Status status = GunzipChunks(data, file, limits, [&](std::string_view chunk) {
    out.append(chunk);
    return true;
  });
  if (!status.ok()) return status.error();
  return out;
}

Result<std::string> ReadTextFile(const std::string& path) {
  return ReadTextFile(path, ReadLimits{});
}

Result<std::string> ReadTextFile(const std::string& path, const ReadLimits& limits) {
  std::string content;
  Status status = ReadTextFileChunks(path, limits, [&](std::string_view chunk) {
    content.append(chunk);
    return true;
  });
  if (!status.ok()) return status.error();
  return content;
}

Status ReadTextFileChunks(const std::string& path, const ReadLimits& limits,
                          const TextChunkFn& sink) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) {
    return MakeError(ErrorCode::kNotFound, fmt::format("{}: no such file", path));
  }
  if (fs::is_directory(status)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{}: is a directory, expected a file", path));
  }
  if (fs::is_regular_file(status)) {
    const uintmax_t size = fs::file_size(path, ec);
    if (!ec && size > limits.max_bytes) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("{}: {}, more than {}, the limit for an input file", path,
                                   FormatBytes(size), FormatBytes(limits.max_bytes)));
    }
  }
  // Devices and pipes have no size: read at most one byte past the limit.
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    return MakeError(ErrorCode::kIo,
                     fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  }
  // A file that starts with the gzip magic is inflated as it is read; any other is handed
  // over as it is read.
  const bool gz_name = path.size() > 3 && path.ends_with(".gz");
  std::optional<GzipInflater> gzip;
  size_t total = 0;
  char buf[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
    if (total + n > limits.max_bytes) return TooLarge(path, limits.max_bytes, "holds");
    const std::string_view piece(buf, n);
    if (total == 0 && gz_name && IsGzip(piece)) gzip.emplace(path, limits);
    total += n;
    if (gzip) {
      if (Status s = gzip->Feed(piece, false, sink); !s.ok() || gzip->done()) return s;
    } else if (!sink(piece)) {
      return Status::Ok();
    }
  }
  if (std::ferror(f.get())) {
    return MakeError(ErrorCode::kIo,
                     fmt::format("{}: read failed: {}", path, std::strerror(errno)));
  }
  if (gzip) return gzip->Feed({}, true, sink);
  return Status::Ok();
}

namespace {

// The hand-over between ReadTextFileChunksAhead's reading thread and its caller: blocks of
// text in order, at most kBlocksAhead waiting, their buffers reused.
class TextBlockQueue {
 public:
  static constexpr size_t kBlockBytes = size_t{1} << 20;
  static constexpr size_t kBlocksAhead = 4;

  // Reader side. False when the taker has stopped reading.
  bool Put(std::string& block) {
    std::unique_lock lock(mu_);
    room_.wait(lock, [&] { return stopped_ || ready_.size() < kBlocksAhead; });
    if (stopped_) return false;
    ready_.push_back(std::move(block));
    block = TakeSpareLocked();
    text_.notify_one();
    return true;
  }
  std::string NewBlock() {
    std::lock_guard lock(mu_);
    return TakeSpareLocked();
  }
  void Finish(Status status) {
    std::lock_guard lock(mu_);
    status_ = std::move(status);
    finished_ = true;
    text_.notify_one();
  }

  // Taker side. False once every block was taken and the reader has finished.
  bool Take(std::string& block) {
    std::unique_lock lock(mu_);
    text_.wait(lock, [&] { return finished_ || !ready_.empty(); });
    if (ready_.empty()) return false;
    if (block.capacity() > 0) {
      block.clear();
      spare_.push_back(std::move(block));
    }
    block = std::move(ready_.front());
    ready_.pop_front();
    room_.notify_one();
    return true;
  }
  void Stop() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    room_.notify_one();
  }
  Status status() {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  std::string TakeSpareLocked() {
    std::string block;
    if (!spare_.empty()) {
      block = std::move(spare_.back());
      spare_.pop_back();
    }
    return block;  // grown by appending, once: blocks are reused
  }

  std::mutex mu_;
  std::condition_variable room_, text_;
  std::deque<std::string> ready_;
  std::vector<std::string> spare_;
  bool stopped_ = false, finished_ = false;
  Status status_;
};

}  // namespace

Status ReadTextFileChunksAhead(const std::string& path, const ReadLimits& limits,
                               const TextChunkFn& sink) {
  if (std::thread::hardware_concurrency() < 2) return ReadTextFileChunks(path, limits, sink);
  TextBlockQueue queue;
  std::thread reader;
  try {
    reader = std::thread([&] {
      Status status;
      try {
        std::string block = queue.NewBlock();
        bool taken = true;  // false: the taker stopped
        status = ReadTextFileChunks(path, limits, [&](std::string_view piece) {
          block.append(piece);
          if (block.size() < TextBlockQueue::kBlockBytes) return true;
          return taken = queue.Put(block);
        });
        if (status.ok() && taken && !block.empty()) queue.Put(block);
      } catch (const std::exception& e) {  // out of memory: an error, not a dead process
        status = MakeError(ErrorCode::kIo, fmt::format("{}: read failed: {}", path, e.what()));
      }
      queue.Finish(std::move(status));
    });
  } catch (const std::system_error&) {  // no thread to be had: read on this one
    return ReadTextFileChunks(path, limits, sink);
  }
  // However the caller's side ends (a stop, an exception from `sink`), the reader is told to
  // stop and joined before the queue it shares goes away.
  struct Join {
    TextBlockQueue& queue;
    std::thread& reader;
    ~Join() {
      queue.Stop();
      reader.join();
    }
  } join{queue, reader};
  constexpr size_t kPiece = size_t{64} << 10;  // ReadTextFileChunks's promise to its sink
  std::string block;
  while (queue.Take(block)) {
    const std::string_view text = block;
    for (size_t at = 0; at < text.size(); at += kPiece) {
      if (!sink(text.substr(at, kPiece))) return Status::Ok();
    }
  }
  return queue.status();
}

}  // namespace truce::formats
