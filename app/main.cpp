// coroscope: the command line, and the dashboard's entry point.
//
//   coroscope                      the dashboard (or a clear word that there is no display)
//   coroscope gui [--renderer auto|gpu|software] [SET...]
//   coroscope run SET [--export FILE] [--format json|jsonl|csv|trace] [--quiet] [--summary-json]
//   coroscope list
//   coroscope validate FILE...
//   coroscope diff A.json B.json [--tolerance-ms MS]
//   coroscope lint LOG
//   coroscope attach --list | PID [--seconds S] [--export FILE] [--cancel NAME] ...

#include "attachcommand.h"
#include "logcommands.h"
#include "log/rundiff.h"
#include "runcommand.h"

#include "runtime/probe.h"

#ifdef COROSCOPE_HAVE_DASHBOARD
#include "dashboard.h"
#endif

#include <QCoreApplication>
#include <QTextStream>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <system_error>

#include <unistd.h>

namespace {

// The usage text spells the diff's default tolerance out.
static_assert(coroscope::log::kDefaultDiffToleranceMs == 60, "update `--tolerance-ms` in kUsage");

const char *const kUsage =
    "usage: coroscope [gui [--renderer R] [SET...] | run SET [--export FILE] [--format F] [--quiet] [--force] [--summary-json] | list | validate FILE... | diff A B | lint LOG | attach ... | --help | --version]\n"
    "\n"
    "  (no command)    start the dashboard\n"
    "  gui [SET...]    start the dashboard and launch these sets at once\n"
    "    --renderer R  auto (default): Qt Quick's software renderer where OpenGL is drawn\n"
    "                  by the CPU (llvmpipe), else the GPU; gpu or software to choose\n"
    "  run SET         run a task set without a window; SET is a built-in name or a path\n"
    "    --export FILE write the run's log; the format follows the extension:\n"
    "                  .json, .jsonl, .csv, .trace.json (Perfetto / chrome://tracing)\n"
    "    --format F    json, jsonl, csv or trace, whatever the extension\n"
    "    --quiet       no live progress line\n"
    "    --force       run a set even when its estimate exceeds the memory available\n"
    "    --summary-json the summary as one JSON object on stdout instead of text\n"
    "  list            the built-in task sets, with what each shows\n"
    "  validate FILE.. check task-set files; prints every problem as FILE:LINE:COLUMN: /pointer: message\n"
    "  diff A B        what changed between two runs' json logs: tasks matched by name path,\n"
    "                  outcomes that differ, tasks in one run only, finish times that moved\n"
    "    --tolerance-ms MS  how far a finish time may move unreported (default 60)\n"
    "                  exit 0 the runs agree, 1 they differ, 2 bad input\n"
    "  lint LOG        the warnings of a run's json or jsonl log, one line each naming its task:\n"
    "                  stall, pending, cancel-not-honoured, cancel-swallowed, error-not-retrieved,\n"
    "                  fan-out, callback-failed (docs/spec/warnings.md); exit 0 whatever they are,\n"
    "                  2 bad input\n"
    "  attach --list   the programs that run the probe (python3 -m coroscope_probe script.py)\n"
    "  attach PID      record a watched program's tasks until it ends, or Ctrl-C, then detach\n"
    "    --socket PATH   attach through this socket instead of PID's (e.g. forwarded with ssh -L)\n"
    "    --seconds S   detach after S seconds\n"
    "    --export FILE write what was recorded, in any of the four formats (--format F)\n"
    "    --cancel NAME cancel the task of that name (it sees CancelledError)\n"
    "    --callback NAME=MESSAGE  the program writes MESSAGE when the task ends\n"
    "\n"
    "Exit codes: 0 the run finished (failed or cancelled tasks are results, not errors),\n"
    "2 bad input or arguments (nothing ran), 1 an internal error, 130 stopped by Ctrl-C.\n";

// Out of memory, on any thread: one clear line and exit 1. Written with write(2),
// which allocates nothing; the logs stay valid (a jsonl log keeps its whole lines,
// a json, csv or trace log is written only when complete, through a rename).
[[noreturn]] void outOfMemory()
{
    static const char message[] = "\ncoroscope: out of memory; the run was stopped, and its json, csv or trace "
                                  "log was not written (a jsonl log keeps the lines written so far)\n";
    [[maybe_unused]] const auto n = ::write(STDERR_FILENO, message, sizeof message - 1);
    ::_exit(1);
}

// An exception that no one catches ends up here, whatever thread threw it.
void onTerminate()
{
    if (const std::exception_ptr e = std::current_exception()) {
        try {
            std::rethrow_exception(e);
        } catch (const std::bad_alloc &) {
            outOfMemory();
        } catch (const std::system_error &error) {
            // A thread whose stack cannot be mapped (std::thread says "try again").
            if (error.code() == std::errc::resource_unavailable_try_again
                || error.code() == std::errc::not_enough_memory)
                outOfMemory();
        } catch (...) {
        }
    }
    std::abort();
}

// Output that could not be written (stdout on a full disk) is an error, not a success.
int checkedOutput(int code)
{
    if (std::fflush(stdout) == 0 && !std::ferror(stdout))
        return code;
    const int error = errno;
    std::fprintf(stderr, "coroscope: could not write the output: %s\n", std::strerror(error));
    return code == 0 ? 1 : code;
}

int run(int argc, char **argv);

int usageError(const QString &message)
{
    QTextStream err(stderr);
    err << "coroscope: " << message << "\n\n" << kUsage;
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
#ifdef COROSCOPE_HAVE_DASHBOARD
    if (const std::optional<int> answered = coroscope::widgets::answerRendererProbe(argc, argv))
        return *answered;
#endif
    std::set_terminate(onTerminate);
    // A failed operator new ends the run where it happens, on any thread, before an
    // exception can unwind through Qt's event handlers (which do not support it).
    std::set_new_handler(outOfMemory);
    try {
        return checkedOutput(run(argc, argv));
    } catch (const std::bad_alloc &) {
        outOfMemory();
    }
}

namespace {

int run(int argc, char **argv)
{
    // Coroscope reads its loops' journals itself: a COROSCOPE_PROBE=1 in its
    // environment must not make the probe their reader (runtime/probe.h).
    coroscope::rt::probe::disable();
    const bool gui = argc >= 2 && qstrcmp(argv[1], "gui") == 0;
    if (argc == 1 || gui) {
        QStringList launch;
        QString renderer = QStringLiteral("auto");
        for (int i = 2; gui && i < argc; ++i) {
            const QString a = QString::fromLocal8Bit(argv[i]);
            if (a == QLatin1String("--renderer")) {
                if (i + 1 >= argc)
                    return usageError(a + QStringLiteral(" needs a value"));
                renderer = QString::fromLocal8Bit(argv[++i]);
            } else if (a.startsWith(QLatin1Char('-'))) {
                return usageError(QStringLiteral("unknown option ") + a);
            } else {
                launch << a;
            }
        }
        const bool display = qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY") ||
                             qEnvironmentVariable("QT_QPA_PLATFORM") == QLatin1String("offscreen");
#ifdef COROSCOPE_HAVE_DASHBOARD
        const std::optional<coroscope::widgets::RendererRequest> request = coroscope::widgets::parseRendererRequest(renderer);
        if (!request)
            return usageError(QStringLiteral("--renderer is auto, gpu or software, not ") + renderer);
        if (display)
            return coroscope::app::runDashboard(argc, argv, launch, *request);
#endif
        QTextStream err(stderr);
        if (!display)
            err << "coroscope: no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so no dashboard.\n"
                   "Run a task set on the command line instead, e.g. `coroscope run gather-basics`;\n"
                   "`coroscope --help` lists the commands.\n";
        else
            err << "coroscope: this build has no dashboard (built with COROSCOPE_BUILD_GUI=OFF);\n"
                   "run a task set with `coroscope run SET`.\n";
        return 2;
    }

    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("coroscope"));
    QCoreApplication::setApplicationVersion(QStringLiteral(COROSCOPE_VERSION));
    const QStringList args = QCoreApplication::arguments().mid(1);
    QTextStream out(stdout);

    const QString command = args.first();
    if (command == QLatin1String("--help") || command == QLatin1String("-h")) {
        out << kUsage;
        return 0;
    }
    if (command == QLatin1String("--version")) {
        out << "coroscope " << COROSCOPE_VERSION << '\n';
        return 0;
    }
    if (command == QLatin1String("list"))
        return args.size() == 1 ? coroscope::app::listCommand() : usageError(QStringLiteral("list takes no arguments"));
    if (command == QLatin1String("validate"))
        return coroscope::app::validateCommand(args.mid(1));
    if (command == QLatin1String("diff"))
        return coroscope::app::diffCommand(args.mid(1));
    if (command == QLatin1String("lint"))
        return coroscope::app::lintCommand(args.mid(1));
    if (command == QLatin1String("attach"))
        return coroscope::app::attachCommand(args.mid(1));
    if (command == QLatin1String("run")) {
        coroscope::app::RunOptions options;
        for (qsizetype i = 1; i < args.size(); ++i) {
            const QString &a = args[i];
            if (a == QLatin1String("--export") || a == QLatin1String("--format")) {
                if (i + 1 >= args.size())
                    return usageError(a + QStringLiteral(" needs a value"));
                (a == QLatin1String("--export") ? options.exportPath : options.format) = args[++i];
                if (args[i].isEmpty())
                    return usageError(a + QStringLiteral(" needs a value"));
            } else if (a == QLatin1String("--quiet")) {
                options.progress = false;
            } else if (a == QLatin1String("--force")) {
                options.force = true;
            } else if (a == QLatin1String("--summary-json")) {
                options.summaryJson = true;
            } else if (a.startsWith(QLatin1Char('-'))) {
                return usageError(QStringLiteral("unknown option ") + a);
            } else if (options.set.isEmpty()) {
                options.set = a;
            } else {
                return usageError(QStringLiteral("run takes one SET"));
            }
        }
        if (options.set.isEmpty())
            return usageError(QStringLiteral("run needs a SET"));
        return coroscope::app::runCommand(options);
    }
    return usageError(QStringLiteral("unknown command ") + command);
}

} // namespace
