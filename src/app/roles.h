// Who is calling: the roles of docs/server.md, sets of them, and the authenticated principal.
// Values; safe to share between threads.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace truce::app {

enum class Role { kAdmin, kMonitor, kParty, kGuarantor, kHumanitarian, kPublic };

// "admin", "monitor", "party", "guarantor", "humanitarian", "public".
std::string_view RoleName(Role role) noexcept;
std::optional<Role> ParseRole(std::string_view name) noexcept;
std::span<const Role> AllRoles() noexcept;

// A set of roles, as the permission table names them.
class RoleSet {
 public:
  constexpr RoleSet() = default;
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= Bit(r);
  }
  static constexpr RoleSet Everyone() {
    return {Role::kAdmin,     Role::kMonitor,      Role::kParty,
            Role::kGuarantor, Role::kHumanitarian, Role::kPublic};
  }
  // Everyone but the public: those who may see raw material at all.
  static constexpr RoleSet Insiders() {
    return {Role::kAdmin, Role::kMonitor, Role::kParty, Role::kGuarantor, Role::kHumanitarian};
  }
  static constexpr RoleSet Staff() { return {Role::kAdmin, Role::kMonitor}; }

  constexpr bool Has(Role r) const noexcept { return (bits_ & Bit(r)) != 0; }
  constexpr RoleSet operator|(RoleSet o) const noexcept {
    RoleSet out;
    out.bits_ = bits_ | o.bits_;
    return out;
  }

 private:
  static constexpr uint32_t Bit(Role r) { return 1u << static_cast<unsigned>(r); }
  uint32_t bits_ = 0;
};

// The caller of an operation, once authenticated. A request without credentials is the
// public (Anonymous()).
struct Principal {
  Role role = Role::kPublic;
  std::string party;     // for Role::kParty: the one party it acts as, else ""
  std::string token_id;  // "anonymous" for the public without a token

  static Principal Anonymous() { return Principal{Role::kPublic, "", "anonymous"}; }
  bool Is(Role r) const noexcept { return role == r; }
};

}  // namespace truce::app
