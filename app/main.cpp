// coroscope: the command line. For now it runs the runtime tour `demo` headless and
// prints every journal event as it happens; task sets and the dashboard come next.

#include "runtime/combinators.h"
#include "runtime/runtime.h"
#include "runtime/sleep.h"

#include <QCoreApplication>
#include <QTextStream>
#include <QTimer>

#include <cstdio>

using namespace coroscope::rt;
using namespace std::chrono_literals;

namespace {

Task<int> sleeper(std::chrono::milliseconds d, int value)
{
    co_await sleep(d);
    co_return value;
}

Task<int> failing(std::chrono::milliseconds d)
{
    co_await sleep(d);
    throw TaskError(QStringLiteral("boom"));
}

Task<int> demo()
{
    auto results = co_await gather(taskList(sleeper(100ms, 1), sleeper(200ms, 2), sleeper(400ms, 4)));
    int sum = 0;
    for (int r : results)
        sum += r;
    auto outcome = co_await gather(taskList(failing(50ms), sleeper(60ms, 8)), ReturnExceptions);
    co_return sum + int(outcome.size());
}

void printEvents(Loop &loop, std::int64_t t0)
{
    static JournalBatch batch;
    loop.journal().drain(batch);
    QTextStream out(stdout);
    for (const Event &e : batch.events) {
        out << QString::asprintf("%9.3f ms  task %-3llu %-16s", double(e.tNs - t0) / 1e6,
                                 static_cast<unsigned long long>(e.task), qPrintable(toString(e.type)));
        if (e.type == EventType::Suspended)
            out << describeAwait(AwaitKind(e.kind), e.arg);
        if (e.text)
            out << batch.text(e);
        out << '\n';
    }
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("coroscope"));
    QCoreApplication::setApplicationVersion(QStringLiteral(COROSCOPE_VERSION));
    const QStringList args = QCoreApplication::arguments().mid(1);
    QTextStream err(stderr);
    if (args.contains(QStringLiteral("--version"))) {
        QTextStream(stdout) << "coroscope " << COROSCOPE_VERSION << '\n';
        return 0;
    }
    if (args.contains(QStringLiteral("--help")) || (!args.isEmpty() && args.first() != QStringLiteral("demo"))) {
        err << "usage: coroscope [demo | --help | --version]\n"
               "  demo   run a small gather on the runtime and print its journal live\n";
        return args.contains(QStringLiteral("--help")) ? 0 : 2;
    }

    Loop loop(QStringLiteral("main"));
    const std::int64_t t0 = monotonicNs();
    Task<int> root = spawn(demo(), {QStringLiteral("demo"), {}, 0});
    QTimer printer;
    QObject::connect(&printer, &QTimer::timeout, [&] { printEvents(loop, t0); });
    printer.start(33);
    QObject::connect(&loop, &Loop::allTasksFinished, &app, [&] {
        printEvents(loop, t0);
        QTextStream(stdout) << "demo ended " << toString(root->state()) << " with " << root.result() << '\n';
        QCoreApplication::quit();
    });
    return app.exec();
}
