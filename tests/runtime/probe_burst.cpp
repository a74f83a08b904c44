// A program watched through its probe (COROSCOPE_PROBE=1) that ends just after a
// burst of tasks, for tests/cli/test_attach.py: `probe_burst N STEPS`.
//
// It prints "ready" once its loop is watched, then waits for a line on stdin (its
// monitor has attached). Then it makes N tasks named after how each ends ("done I",
// "failed I", "cancelled I", in turn), each awaiting sleep(0) STEPS times first, so
// that their events are many times their final states; it cancels the third kind,
// gathers them all, prints "ending" and returns from main: the probe's exit handler
// then has a second to bring its monitor up to date (docs/spec/probe-protocol.md,
// "At exit").

#include "runtime/probe.h"
#include "runtime/runtime.h"

#include <QCoreApplication>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

using namespace coroscope::rt;
using namespace std::chrono_literals;

namespace {

std::atomic<bool> g_go{false};

SpawnOptions named(const QString &name)
{
    SpawnOptions options;
    options.name = name;
    return options;
}

Task<int> stepper(int steps, int kind)
{
    for (int i = 0; i < steps; ++i)
        co_await sleep(0ms);
    if (kind == 1)
        throw TaskError(QStringLiteral("boom"));
    if (kind == 2)
        co_await sleep(1h); // cancelled before it ends
    co_return kind;
}

Task<int> burst(int n, int steps)
{
    while (!g_go.load())
        co_await sleep(5ms); // the stdin thread says when
    std::vector<Task<int>> tasks;
    tasks.reserve(std::size_t(n));
    static const char *const kinds[] = {"done", "failed", "cancelled"};
    for (int i = 0; i < n; ++i) {
        const QString name = QStringLiteral("%1 %2").arg(QLatin1String(kinds[i % 3])).arg(i);
        tasks.push_back(spawn(stepper(steps, i % 3), named(name)));
    }
    co_await sleep(0ms); // every one has started: the third kind is cancelled at an await
    for (int i = 2; i < n; i += 3)
        tasks[std::size_t(i)]->cancel();
    co_await gather(std::move(tasks), ReturnExceptions);
    co_return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int n = argc > 1 ? std::max(3, std::atoi(argv[1])) : 30'000;
    const int steps = argc > 2 ? std::atoi(argv[2]) : 10;
    int status = 0;
    {
        Loop loop(QStringLiteral("main"));
        if (!probe::active())
            return 2;
        std::thread input([] {
            std::string line;
            std::getline(std::cin, line);
            g_go.store(true);
        });
        Task<int> root = spawn(burst(n, steps));
        QObject::connect(&loop, &Loop::allTasksFinished, &app, &QCoreApplication::quit);
        std::printf("ready\n");
        std::fflush(stdout);
        app.exec();
        input.join();
        status = root->finished() ? 0 : 1;
    }
    std::printf("ending\n");
    std::fflush(stdout);
    return status;
}
