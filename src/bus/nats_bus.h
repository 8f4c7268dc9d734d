// The message bus adapter: NATS JetStream through Debian's libnats (3.4), and nothing of truce's
// domain. One connection; the streams truce uses are made (or checked) when it connects; what
// is published is acknowledged by the server (stored in the stream) before Flush returns OK;
// a subject is read back in stream order from its first message by an ordered consumer.
//
// Streams (docs/deployment.md "Message bus and workers"):
//   TRUCE_POSITIONS  subjects truce.positions.* (one per partition) and truce.rules; file
//                    storage; duplicates (same message id) dropped within 10 minutes.
//   TRUCE_ALERTS     subjects truce.alerts.>; file storage; the same duplicate window.
//
// Errors: kInvalidArgument for a URL that is not nats://HOST:PORT; kUnavailable when the server
// cannot be reached or has no JetStream; kIo for a refused or failed operation. Messages name
// the server and the operation.
//
// Thread-safe for publishing; a Reader is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "truce/result.h"

struct __natsConnection;
struct __jsCtx;
struct __natsSubscription;

namespace truce::bus {

inline constexpr const char* kPositionsStream = "TRUCE_POSITIONS";
inline constexpr const char* kAlertsStream = "TRUCE_ALERTS";
inline constexpr const char* kRulesSubject = "truce.rules";

// One message read from a stream.
struct BusMessage {
  uint64_t sequence = 0;  // in the stream
  uint64_t pending = 0;   // messages of the subject after this one when it was sent
  std::string subject;
  std::string data;
};

// An ordered replay of one subject from its first message (an ordered push consumer: no acks,
// no redeliveries, the library restarts it where it stopped if a message goes missing).
class Reader {
 public:
  explicit Reader(__natsSubscription* sub, std::string subject)
      : sub_(sub), subject_(std::move(subject)) {}
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // The next message, waiting up to `wait` for one; nullopt when none came. Messages already
  // received are returned without waiting.
  [[nodiscard]] Result<std::optional<BusMessage>> Next(std::chrono::milliseconds wait);
  // How many messages are received and not yet returned.
  int Buffered() const;

 private:
  __natsSubscription* sub_;
  std::string subject_;
};

class NatsBus {
 public:
  // Connects to `url` (nats://HOST:PORT, several separated by commas), checks that the server
  // runs JetStream and makes the streams above (an existing stream is kept as it is).
  [[nodiscard]] static Result<std::unique_ptr<NatsBus>> Connect(const std::string& url);
  ~NatsBus();
  NatsBus(const NatsBus&) = delete;
  NatsBus& operator=(const NatsBus&) = delete;

  const std::string& url() const noexcept { return url_; }

  // Sends a message to `subject` with the message id `msg_id` (the stream drops a second
  // message with the same id within its duplicate window) without waiting for the
  // acknowledgement; Flush waits for them.
  [[nodiscard]] Status Publish(const std::string& subject, const std::string& msg_id,
                               std::string_view data);
  // Waits until every message published so far is acknowledged (stored in its stream). An
  // error when the server refused one or did not answer within `wait`.
  [[nodiscard]] Status Flush(std::chrono::milliseconds wait = std::chrono::seconds(10));

  // The stream sequence of the last message on `subject` (0 when there is none).
  [[nodiscard]] Result<uint64_t> LastSequence(std::string_view stream, const std::string& subject);

  // Reads `subject` of `stream` from its first message.
  [[nodiscard]] Result<std::unique_ptr<Reader>> Replay(const std::string& subject,
                                                       const char* stream = kPositionsStream);

  struct Failures;  // publishes the server refused, counted by libnats' callback

 private:
  NatsBus() = default;
  Status EnsureStream(const char* name, const char** subjects, int count);
  std::string url_;
  __natsConnection* nc_ = nullptr;
  __jsCtx* js_ = nullptr;
  std::unique_ptr<Failures> failures_;
};

// Whether `url` is a NATS URL this adapter takes: nats://HOST:PORT (comma-separated list).
[[nodiscard]] Status CheckNatsUrl(std::string_view url);

}  // namespace truce::bus
