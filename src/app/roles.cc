#include "app/roles.h"

#include <array>

namespace truce::app {
namespace {

constexpr std::array<Role, 6> kAll = {Role::kAdmin,     Role::kMonitor,      Role::kParty,
                                      Role::kGuarantor, Role::kHumanitarian, Role::kPublic};

}  // namespace

std::string_view RoleName(Role role) noexcept {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kMonitor:
      return "monitor";
    case Role::kParty:
      return "party";
    case Role::kGuarantor:
      return "guarantor";
    case Role::kHumanitarian:
      return "humanitarian";
    case Role::kPublic:
      return "public";
  }
  return "public";
}

std::optional<Role> ParseRole(std::string_view name) noexcept {
  for (Role r : kAll) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

std::span<const Role> AllRoles() noexcept { return kAll; }

}  // namespace truce::app
