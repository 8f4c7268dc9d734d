// /api/v1/log/...: the transparency log's signed head, proofs and entries.
#include "server/routing.h"

namespace truce::server {
namespace {

using nlohmann::json;

json Hashes(const std::vector<Hash>& hashes) {
  json out = json::array();
  for (const Hash& h : hashes) out.push_back(HashToHex(h));
  return out;
}

ApiResponse LogHead(const Call& c) { return JsonResponse(HeadJson(c.app)); }

ApiResponse LogInclusion(const Call& c) {
  QueryReader q(c);
  const auto index = q.Count("index", /*required=*/true);
  const auto size = q.Count("tree_size");
  if (!q.ok()) return ErrorResponse(q.error());
  auto proof = c.app.Inclusion(c.who, *index, size);
  if (!proof.ok()) {
    Error e = proof.error();
    if (e.code == ErrorCode::kInvalidArgument)
      e.problems.push_back({"?index", "must be below tree_size"});
    return ErrorResponse(e);
  }
  return JsonResponse({{"index", proof->index},
                       {"tree_size", proof->tree_size},
                       {"leaf_hash", HashToHex(proof->leaf)},
                       {"root_hash", HashToHex(proof->root)},
                       {"proof", Hashes(proof->proof)}});
}

ApiResponse LogConsistency(const Call& c) {
  QueryReader q(c);
  const auto first = q.Count("first", /*required=*/true);
  const auto second = q.Count("second");
  if (!q.ok()) return ErrorResponse(q.error());
  const uint64_t to = second.value_or(c.app.Head().size);
  auto proof = c.app.Consistency(c.who, *first, to);
  if (!proof.ok()) {
    Error e = proof.error();
    if (e.code == ErrorCode::kInvalidArgument)
      e.problems.push_back({"?first", "must not exceed second"});
    return ErrorResponse(e);
  }
  return JsonResponse({{"first", *first}, {"second", to}, {"proof", Hashes(*proof)}});
}

ApiResponse LogEntries(const Call& c) {
  QueryReader q(c);
  const uint64_t from = q.Count("from").value_or(0);
  const app::PageRequest page = q.Page();
  if (!q.ok()) return ErrorResponse(q.error());
  auto out = c.app.LogEntries(c.who, from, page.limit);
  if (!out.ok()) return ErrorResponse(out.error());
  return JsonResponse(PageJson(std::move(out->items), out->next));
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/log/head", app::Action::kReadLogProofs, &LogHead},
    {"GET", "/api/v1/log/inclusion", app::Action::kReadLogProofs, &LogInclusion},
    {"GET", "/api/v1/log/consistency", app::Action::kReadLogProofs, &LogConsistency},
    {"GET", "/api/v1/log/entries", app::Action::kReadLogEntries, &LogEntries},
};

}  // namespace

std::span<const Route> LogRoutes() { return kRoutes; }

}  // namespace truce::server
