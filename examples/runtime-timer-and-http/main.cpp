// Coroscope's runtime in a program of its own: tasks on a Loop that sleep, gather,
// time out, wait for a QTimer and fetch a page over HTTP through QCoro. The page
// comes from a QTcpServer this program starts on 127.0.0.1, so no network is needed.
//
// Run with COROSCOPE_PROBE=1 and it can be watched (`coroscope attach PID`): then it
// also keeps a task asleep for an hour, named "sleeper", and ends when Coroscope
// cancels it (docs/spec/probe-protocol.md).

#include "runtime/probe.h"
#include "runtime/runtime.h"

#include <QCoreApplication>
#include <QCoroNetworkReply>
#include <QHostAddress>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <chrono>
#include <cstdio>

using namespace coroscope::rt;
using namespace std::chrono_literals;

// Answers every connection with one small HTTP response, then closes it.
static void serveHello(QTcpServer &server)
{
    QObject::connect(&server, &QTcpServer::newConnection, &server, [&server] {
        while (QTcpSocket *socket = server.nextPendingConnection()) {
            QObject::connect(socket, &QTcpSocket::readyRead, socket, [socket] {
                socket->readAll();
                socket->write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
                socket->disconnectFromHost();
            });
            QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    });
}

// A task that sleeps on the loop's timer wheel, then returns its value.
Task<int> after(std::chrono::milliseconds delay, int value)
{
    co_await sleep(delay);
    co_return value;
}

// QCoro's side of the request: a QCoro coroutine awaits the reply on the Qt event loop.
QCoro::Task<QByteArray> bodyOf(QNetworkReply *reply)
{
    co_await reply;
    co_return reply->readAll();
}

// A Coroscope task awaits QCoro through awaitQCoro; cancelling it aborts the request.
Task<QByteArray> httpGet(QNetworkAccessManager &network, QUrl url)
{
    QNetworkReply *reply = network.get(QNetworkRequest(url));
    QByteArray body = co_await awaitQCoro(bodyOf(reply), [reply] { reply->abort(); });
    reply->deleteLater();
    co_return body;
}

static SpawnOptions named(const QString &name)
{
    SpawnOptions options;
    options.name = name;
    return options;
}

// A task that would sleep for an hour; cancelled, it says so and ends cancelled.
Task<int> sleeper()
{
    try {
        co_await sleep(1h);
    } catch (const Cancelled &) {
        std::fprintf(stderr, "sleeper got CancelledError\n");
        throw;
    }
    co_return 0;
}

Task<int> failer()
{
    throw TaskError(QStringLiteral("boom"));
    co_return 0;
}

// What a watcher sees: a task done, one failed, one asleep until it is cancelled.
Task<int> watchable()
{
    Task<int> done = spawn(after(0ms, 42), named(QStringLiteral("finisher")));
    Task<int> failed = spawn(failer(), named(QStringLiteral("failer")));
    Task<int> asleep = spawn(sleeper(), named(QStringLiteral("sleeper")));
    co_await sleep(10ms);
    std::printf("ready to be watched\n");
    std::fflush(stdout);
    try {
        co_await asleep;
    } catch (const Cancelled &) {
        std::printf("the sleeper was cancelled\n");
    }
    co_return 0;
}

Task<int> demo(QNetworkAccessManager &network, QUrl url)
{
    // Three children at once: the gather ends with the slowest, results in order.
    std::vector<int> values = co_await gather(taskList(after(30ms, 1), after(10ms, 2), after(20ms, 3)));
    std::printf("gathered %d %d %d\n", values[0], values[1], values[2]);

    // A child too slow for its deadline is cancelled, and waitFor throws.
    try {
        co_await waitFor(after(10s, 0), 20ms);
    } catch (const TimeoutError &) {
        std::printf("a 10 s task timed out after 20 ms\n");
    }

    // Any Qt signal, here a QTimer's timeout, through QCoro.
    QTimer timer;
    timer.setSingleShot(true);
    timer.start(10ms);
    co_await awaitSignal(&timer, &QTimer::timeout);
    std::printf("the timer fired\n");

    QByteArray body = co_await httpGet(network, url); // awaiting a task runs it as a child
    std::printf("GET %s -> %s\n", qPrintable(url.path()), body.constData());

    if (coroscope::rt::probe::active())
        co_await spawn(watchable(), named(QStringLiteral("watchable")));
    co_return 0;
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost)) {
        std::fprintf(stderr, "cannot listen on 127.0.0.1: %s\n", qPrintable(server.errorString()));
        return 1;
    }
    serveHello(server);
    QNetworkAccessManager network;
    QUrl url(QStringLiteral("http://127.0.0.1:%1/hello").arg(server.serverPort()));

    Loop loop(QStringLiteral("main")); // this thread's loop, run by app.exec()
    Task<int> task = spawn(demo(network, url));
    task->addDoneCallback([](TaskCore &done) {
        std::printf("demo ended %s\n", qPrintable(toString(done.state())));
        QCoreApplication::exit(done.state() == TaskState::Done ? 0 : 1);
    });
    return app.exec();
}
