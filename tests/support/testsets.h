#pragma once

// A task set written in a test, parsed or the test fails with the parser's messages.
// Header-only: for suites that link the task-set library (the support library does not).

#include "taskset/taskset.h"

#include <QByteArray>
#include <QString>

#include <catch2/catch.hpp>

namespace coroscope::testing {

inline taskset::TaskSet parseSet(const char *json)
{
    auto parsed = taskset::parseTaskSet(QByteArray(json), QStringLiteral("test.json"));
    if (!parsed.ok()) {
        for (const auto &d : parsed.errors)
            UNSCOPED_INFO(d.toString().toStdString());
        FAIL("the test's task set does not parse");
    }
    return *parsed.set;
}

} // namespace coroscope::testing
