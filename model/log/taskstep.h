#pragma once

// What one journal event does to a task's state and await point: the rule
// RunRecord::apply (the task table) and RunHistory (the table at any past moment)
// both follow, so that the run's state at its end and its history at the end agree
// by construction (docs/spec/time-travel.md).
//
// Events of other types change neither: Created makes a task (Pending), CancelRequested,
// Callback, CallbackAdded, CallbackFailed, QueueDepth and Stall leave its state and await as they are.

#include "runtime/journal.h"
#include "runtime/types.h"

#include <optional>

namespace coroscope::log {

// The state a task is in after an event of this type; empty = unchanged.
[[nodiscard]] constexpr std::optional<rt::TaskState> stateAfter(rt::EventType type) noexcept
{
    switch (type) {
    case rt::EventType::Started: return rt::TaskState::Running;
    case rt::EventType::Done: return rt::TaskState::Done;
    case rt::EventType::Failed: return rt::TaskState::Failed;
    case rt::EventType::Cancelled: return rt::TaskState::Cancelled;
    default: return std::nullopt;
    }
}

// What an event does to the task's await point: Suspended sets it (to the event's
// kind and arg), Resumed and the final events clear it.
enum class AwaitStep { Keep, Set, Clear };

[[nodiscard]] constexpr AwaitStep awaitStep(rt::EventType type) noexcept
{
    switch (type) {
    case rt::EventType::Suspended: return AwaitStep::Set;
    case rt::EventType::Resumed:
    case rt::EventType::Done:
    case rt::EventType::Failed:
    case rt::EventType::Cancelled: return AwaitStep::Clear;
    default: return AwaitStep::Keep;
    }
}

} // namespace coroscope::log
