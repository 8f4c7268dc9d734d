// Reading whole input files, with limits: a file larger than the limit, or a gzip file that
// decompresses past it or far past its own size (a gzip bomb), is refused with an error that
// names the file and the limit, before it can exhaust memory. JSON parsing lives in
// json_reader.h (included here for the callers that read JSON files).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "formats/json_reader.h"
#include "truce/result.h"

namespace truce::formats {

// The largest input file read whole (after decompression), and the largest compression ratio
// accepted once a gzip file has produced kGzipRatioGrace bytes. Real position exports
// compress 5 to 15 times; deflate's maximum is about 1,000 times.
inline constexpr size_t kMaxInputFileBytes = size_t{256} << 20;
inline constexpr size_t kMaxGzipRatio = 250;
inline constexpr size_t kGzipRatioGrace = size_t{1} << 20;

struct ReadLimits {
  size_t max_bytes = kMaxInputFileBytes;
  size_t max_gzip_ratio = kMaxGzipRatio;
  size_t gzip_ratio_grace = kGzipRatioGrace;  // bytes produced before the ratio is checked
};

// The whole content of `path`. kNotFound if it does not exist, kInvalidArgument for a
// directory, kIo if it cannot be read, kInvalidInput if it is larger than limits.max_bytes.
// Files ending in ".gz" that start with the gzip magic bytes are decompressed (also several
// concatenated gzip members), within the same size limit and the ratio limit.
[[nodiscard]] Result<std::string> ReadTextFile(const std::string& path);
[[nodiscard]] Result<std::string> ReadTextFile(const std::string& path, const ReadLimits& limits);

// Takes the text a piece at a time; returns false to stop reading (the read then ends with an
// ok status).
using TextChunkFn = std::function<bool(std::string_view chunk)>;

// ReadTextFile a piece at a time: the same checks, limits and errors, but the text is handed to
// `sink` in pieces of at most 64 KiB as it is read or inflated, never held whole (nor a gzip
// file's compressed bytes: GzipInflater). On an error, `sink` may already have had part of the
// text.
[[nodiscard]] Status ReadTextFileChunks(const std::string& path, const ReadLimits& limits,
                                        const TextChunkFn& sink);

// ReadTextFileChunks with the reading and inflating on a thread of its own, up to a few MiB
// ahead of `sink`, which runs on the calling thread: the same pieces (at most 64 KiB, in
// order), the same checks, limits and errors, but inflating a gzip file overlaps with what
// `sink` does with the text instead of adding to it. Memory stays bounded (the blocks ahead).
// On a machine with one hardware thread it is
// ReadTextFileChunks.
[[nodiscard]] Status ReadTextFileChunksAhead(const std::string& path, const ReadLimits& limits,
                                             const TextChunkFn& sink);

// Decompresses gzip data read from `file` (which labels messages) within `limits`.
[[nodiscard]] Result<std::string> Gunzip(std::string_view data, std::string_view file,
                                         const ReadLimits& limits = {});
// The same, handing the text to `sink` a piece at a time.
[[nodiscard]] Status GunzipChunks(std::string_view data, std::string_view file,
                                  const ReadLimits& limits, const TextChunkFn& sink);

// GunzipChunks with the compressed data given a piece at a time as well, so that a file is
// inflated as it is read and its compressed bytes are never held whole: the same text, checks
// and errors, whatever the pieces. Several gzip members are read one after the other; what
// follows a member and is not one is ignored, as gzip(1) does.
class GzipInflater {
 public:
  GzipInflater(std::string_view file, const ReadLimits& limits);
  ~GzipInflater();
  GzipInflater(const GzipInflater&) = delete;
  GzipInflater& operator=(const GzipInflater&) = delete;

  // The next compressed bytes; `last`: no more follow. An error, or Ok; done() then says
  // whether the text is over (the end of the data, padding after it, or `sink` said stop):
  // no more need be given.
  [[nodiscard]] Status Feed(std::string_view data, bool last, const TextChunkFn& sink);
  bool done() const noexcept { return done_; }

 private:
  struct Stream;
  std::unique_ptr<Stream> stream_;
  std::string file_;
  ReadLimits limits_;
  std::string carry_;     // a byte after a member's end, until the next tells if one follows
  size_t consumed_ = 0;   // compressed bytes taken by zlib so far
  size_t produced_ = 0;   // text bytes made so far
  bool between_ = false;  // a member has ended and no other has begun
  bool done_ = false;
};

// "256 MiB", "1.5 KiB", "12 bytes": a size for messages.
std::string FormatBytes(size_t bytes);

}  // namespace truce::formats
