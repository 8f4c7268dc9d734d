#include "bus/nats_bus.h"

#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

#include <fmt/format.h>

namespace truce::bus {
namespace {

// The stream's duplicate window: a message id seen within it is dropped (nanoseconds).
constexpr int64_t kDuplicateWindowNs = int64_t{10} * 60 * 1'000'000'000;

std::string StatusText(natsStatus s) {
  const char* last = nats_GetLastError(nullptr);
  std::string text = natsStatus_GetText(s);
  if (last && *last && text.find(last) == std::string::npos) text += fmt::format(" ({})", last);
  return text;
}

Error BusError(ErrorCode code, std::string_view url, std::string_view what, natsStatus s,
               jsErrCode jerr = static_cast<jsErrCode>(0)) {
  std::string why = StatusText(s);
  if (jerr != 0) why += fmt::format(", JetStream error {}", static_cast<int>(jerr));
  return MakeError(code, fmt::format("nats {}: {}: {}", url, what, why));
}

}  // namespace

Status CheckNatsUrl(std::string_view url) {
  size_t start = 0;
  while (start <= url.size()) {
    const size_t comma = url.find(',', start);
    const std::string_view one =
        url.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const bool scheme = one.starts_with("nats://");
    const std::string_view rest = scheme ? one.substr(7) : std::string_view();
    const size_t colon = rest.rfind(':');
    const std::string_view port =
        colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    const bool digits = !port.empty() && port.size() <= 5 &&
                        port.find_first_not_of("0123456789") == std::string_view::npos;
    if (!scheme || colon == 0 || colon == std::string_view::npos || !digits ||
        std::stoi(std::string(port)) > 65535 || rest.find('/') != std::string_view::npos) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("--nats: expected nats://HOST:PORT, got '{}'", one));
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return Status::Ok();
}

// --- Reader ---------------------------------------------------------------------------------

Reader::~Reader() {
  if (sub_) {
    natsSubscription_Unsubscribe(sub_);
    natsSubscription_Destroy(sub_);
  }
}

int Reader::Buffered() const {
  int msgs = 0, bytes = 0;
  if (natsSubscription_GetPending(sub_, &msgs, &bytes) != NATS_OK) return 0;
  return msgs;
}

Result<std::optional<BusMessage>> Reader::Next(std::chrono::milliseconds wait) {
  natsMsg* msg = nullptr;
  const natsStatus s = natsSubscription_NextMsg(&msg, sub_, std::max<int64_t>(1, wait.count()));
  if (s == NATS_TIMEOUT) return std::optional<BusMessage>();
  if (s != NATS_OK) {
    return MakeError(ErrorCode::kUnavailable,
                     fmt::format("nats: reading {}: {}", subject_, StatusText(s)));
  }
  BusMessage out;
  out.subject = natsMsg_GetSubject(msg);
  out.data.assign(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)));
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
    out.sequence = meta->Sequence.Stream;
    out.pending = meta->NumPending;
    jsMsgMetaData_Destroy(meta);
  }
  natsMsg_Destroy(msg);
  return std::optional<BusMessage>(std::move(out));
}

// --- NatsBus --------------------------------------------------------------------------------

struct NatsBus::Failures {
  std::mutex mu;
  size_t count = 0;
  std::string last;
};

namespace {

void OnPublishError(jsCtx*, jsPubAckErr* pae, void* closure) {
  auto* f = static_cast<NatsBus::Failures*>(closure);
  std::lock_guard lock(f->mu);
  ++f->count;
  f->last = fmt::format("{}{}", natsStatus_GetText(pae->Err),
                        pae->ErrText ? fmt::format(": {}", pae->ErrText) : std::string());
}

}  // namespace

Result<std::unique_ptr<NatsBus>> NatsBus::Connect(const std::string& url) {
  if (Status st = CheckNatsUrl(url); !st.ok()) return st.error();
  std::unique_ptr<NatsBus> bus(new NatsBus());
  bus->url_ = url;
  bus->failures_ = std::make_unique<Failures>();
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = natsOptions_SetURL(opts, url.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, 3000);
  if (s == NATS_OK) s = natsOptions_SetName(opts, "truce");
  // Once connected, a lost server is waited for (forever, every half second); operations in
  // the meantime fail with their own timeouts and are retried by their callers.
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 500);
  if (s == NATS_OK) s = natsConnection_Connect(&bus->nc_, opts);
  natsOptions_Destroy(opts);
  if (s != NATS_OK) {
    return MakeError(ErrorCode::kUnavailable,
                     fmt::format("nats {}: cannot connect: {}", url, StatusText(s)));
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = 5000;
  jo.PublishAsync.MaxPending = 4096;
  jo.PublishAsync.ErrHandler = OnPublishError;
  jo.PublishAsync.ErrHandlerClosure = bus->failures_.get();
  s = natsConnection_JetStream(&bus->js_, bus->nc_, &jo);
  if (s != NATS_OK) return BusError(ErrorCode::kIo, url, "opening JetStream", s);
  const char* positions[] = {"truce.positions.*", kRulesSubject};
  if (Status st = bus->EnsureStream(kPositionsStream, positions, 2); !st.ok()) return st.error();
  const char* alerts[] = {"truce.alerts.>"};
  if (Status st = bus->EnsureStream(kAlertsStream, alerts, 1); !st.ok()) return st.error();
  return bus;
}

NatsBus::~NatsBus() {
  if (js_) jsCtx_Destroy(js_);
  if (nc_) {
    natsConnection_Close(nc_);
    natsConnection_Destroy(nc_);
  }
}

Status NatsBus::EnsureStream(const char* name, const char** subjects, int count) {
  jsStreamInfo* info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&info, js_, name, nullptr, &jerr);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(info);
    return Status::Ok();
  }
  if (s != NATS_NOT_FOUND) {
    if (s == NATS_NO_RESPONDERS || s == NATS_TIMEOUT) {
      return MakeError(ErrorCode::kUnavailable,
                       fmt::format("nats {}: the server has no JetStream (start nats-server "
                                   "with -js): {}",
                                   url_, StatusText(s)));
    }
    return BusError(ErrorCode::kIo, url_, fmt::format("reading stream {}", name), s, jerr);
  }
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = name;
  cfg.Subjects = subjects;
  cfg.SubjectsLen = count;
  cfg.Storage = js_FileStorage;
  cfg.Duplicates = kDuplicateWindowNs;
  jerr = static_cast<jsErrCode>(0);
  s = js_AddStream(&info, js_, &cfg, nullptr, &jerr);
  if (s != NATS_OK) {
    return BusError(ErrorCode::kIo, url_, fmt::format("creating stream {}", name), s, jerr);
  }
  jsStreamInfo_Destroy(info);
  return Status::Ok();
}

Status NatsBus::Publish(const std::string& subject, const std::string& msg_id,
                        std::string_view data) {
  natsMsg* msg = nullptr;
  natsStatus s =
      natsMsg_Create(&msg, subject.c_str(), nullptr, data.data(), static_cast<int>(data.size()));
  if (s != NATS_OK) return BusError(ErrorCode::kIo, url_, "making a message", s);
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MsgId = msg_id.c_str();
  s = js_PublishMsgAsync(js_, &msg, &po);
  if (msg) natsMsg_Destroy(msg);  // still ours when the call failed
  if (s != NATS_OK) {
    return BusError(ErrorCode::kUnavailable, url_, fmt::format("publishing to {}", subject), s);
  }
  return Status::Ok();
}

Status NatsBus::Flush(std::chrono::milliseconds wait) {
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = wait.count();
  const natsStatus s = js_PublishAsyncComplete(js_, &po);
  std::lock_guard lock(failures_->mu);
  const size_t failed = std::exchange(failures_->count, 0);
  if (s != NATS_OK) {
    return BusError(ErrorCode::kUnavailable, url_, "waiting for the stream's acknowledgements", s);
  }
  if (failed > 0) {
    return MakeError(ErrorCode::kUnavailable,
                     fmt::format("nats {}: {} message{} not stored: {}", url_, failed,
                                 failed == 1 ? "" : "s", failures_->last));
  }
  return Status::Ok();
}

Result<uint64_t> NatsBus::LastSequence(std::string_view stream, const std::string& subject) {
  natsMsg* msg = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const std::string name(stream);
  const natsStatus s = js_GetLastMsg(&msg, js_, name.c_str(), subject.c_str(), nullptr, &jerr);
  if (s == NATS_NOT_FOUND) return uint64_t{0};
  if (s != NATS_OK) {
    return BusError(ErrorCode::kUnavailable, url_, fmt::format("reading the last {}", subject), s,
                    jerr);
  }
  const uint64_t seq = natsMsg_GetSequence(msg);
  natsMsg_Destroy(msg);
  return seq;
}

Result<std::unique_ptr<Reader>> NatsBus::Replay(const std::string& subject, const char* stream) {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream;
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverAll;
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s = js_SubscribeSync(&sub, js_, subject.c_str(), nullptr, &so, &jerr);
  if (s != NATS_OK) {
    return BusError(ErrorCode::kUnavailable, url_, fmt::format("reading {}", subject), s, jerr);
  }
  // Replays are bursts: let the client buffer a good part of a partition.
  (void)natsSubscription_SetPendingLimits(sub, 1 << 20, 1 << 30);
  return std::make_unique<Reader>(sub, subject);
}

}  // namespace truce::bus
