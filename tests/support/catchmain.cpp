// Catch2 entry point for the Coroscope suites: every test runs with a
// QCoreApplication, so loops can run the Qt event loop of the test thread.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <QCoreApplication>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    return Catch::Session().run(argc, argv);
}
