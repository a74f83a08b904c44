// Catch2 entry point for the Coroscope suites: every test runs with a
// QCoreApplication, so loops can run the Qt event loop of the test thread.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "runtime/journal.h"

#include <QCoreApplication>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    // The suites read the journal of every loop they make, once it has run
    // (docs/spec/runtime-package.md, "Who reads a journal").
    coroscope::rt::Journal::setEnabledByDefault(true);
    return Catch::Session().run(argc, argv);
}
