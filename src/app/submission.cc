#include "app/submission.h"

#include <array>

#include <fmt/format.h>

namespace truce::app {

// Each kind's KindSpec lives in its own file under kinds/.
extern const KindSpec kReportKind;
extern const KindSpec kPositionsKind;
extern const KindSpec kClaimKind;
extern const KindSpec kScenarioKind;
extern const KindSpec kPublicationKind;
extern const KindSpec kDecisionKind;
extern const KindSpec kSiteKind;
extern const KindSpec kMovementKind;
extern const KindSpec kAcknowledgementKind;
extern const KindSpec kDeliveryOutcomeKind;
extern const KindSpec kDisclosureKind;
extern const KindSpec kExemptionKind;
extern const KindSpec kTokenRevocationKind;

namespace {

// The registry: one line per kind, in SubmissionKind order.
const std::array<const KindSpec*, 13> kKinds = {
    &kReportKind,
    &kPositionsKind,
    &kClaimKind,
    &kScenarioKind,
    &kPublicationKind,
    &kDecisionKind,
    // Humanitarian deconfliction.
    &kSiteKind,
    &kMovementKind,
    &kAcknowledgementKind,
    &kDeliveryOutcomeKind,
    &kDisclosureKind,
    &kExemptionKind,
    &kTokenRevocationKind,
};

}  // namespace

const KindSpec& Spec(SubmissionKind kind) noexcept {
  for (const KindSpec* k : kKinds) {
    if (k->kind == kind) return *k;
  }
  return *kKinds.front();  // unreachable: every enumerator is registered (tested)
}

const KindSpec* FindKind(std::string_view name) noexcept {
  for (const KindSpec* k : kKinds) {
    if (k->name == name) return k;
  }
  return nullptr;
}

namespace detail {

std::string StringField(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return "";
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int IntField(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return 0;
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return 0;
  const int64_t v = it->get<int64_t>();
  return v < 0 || v > (1 << 30) ? 0 : static_cast<int>(v);
}

Error Malformed(const store::LogEntry& entry, std::string_view what) {
  return MakeError(ErrorCode::kInvalidInput, fmt::format("entry {}: {}", entry.index, what));
}

}  // namespace detail
}  // namespace truce::app
