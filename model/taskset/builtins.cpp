#include "builtins.h"

#include <QDir>
#include <QFile>

#include <algorithm>

#include <sys/resource.h>

namespace coroscope::taskset {

namespace {
const QString kResourceDir = QStringLiteral(":/tasksets");

QString resourcePathOf(const QString &name)
{
    return kResourceDir + QLatin1Char('/') + name + QStringLiteral(".json");
}

// The tour of the README's "The built-in sets are a tour" paragraph, in its order
// (tests/cli checks that the two agree).
const QLatin1String kTour[] = {
    QLatin1String("lifecycle"),        QLatin1String("task-states"),  QLatin1String("callbacks"),
    QLatin1String("await-suspends"),   QLatin1String("gather-basics"), QLatin1String("wait-modes"),
    QLatin1String("as-completed"),     QLatin1String("nested-coroutines"), QLatin1String("cancellation"),
    QLatin1String("threadsafe"),       QLatin1String("producer-consumer"), QLatin1String("cpu-vs-io"),
    QLatin1String("blocking-call"),    QLatin1String("wait-for-timeout"), QLatin1String("million"),
};

std::size_t tourIndex(const QString &name)
{
    const auto it = std::find(std::begin(kTour), std::end(kTour), name);
    return std::size_t(it - std::begin(kTour));
}

// Levenshtein distance, case-insensitive.
int editDistance(const QString &a, const QString &b)
{
    std::vector<int> row(std::size_t(b.size()) + 1);
    for (std::size_t j = 0; j < row.size(); ++j)
        row[j] = int(j);
    for (qsizetype i = 1; i <= a.size(); ++i) {
        int diagonal = row[0];
        row[0] = int(i);
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const int above = row[std::size_t(j)];
            const bool same = a[i - 1].toLower() == b[j - 1].toLower();
            row[std::size_t(j)] = std::min({above + 1, row[std::size_t(j - 1)] + 1, diagonal + (same ? 0 : 1)});
            diagonal = above;
        }
    }
    return row.back();
}
} // namespace

std::vector<BuiltinSet> builtinSets()
{
    std::vector<BuiltinSet> out;
    const QStringList files = QDir(kResourceDir).entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    for (const QString &file : files) {
        const QString path = kResourceDir + QLatin1Char('/') + file;
        ParseResult parsed = loadTaskSetFile(path);
        if (parsed.ok())
            out.push_back({parsed.set->name, parsed.set->description, path});
    }
    std::sort(out.begin(), out.end(), [](const BuiltinSet &a, const BuiltinSet &b) {
        return std::pair(tourIndex(a.name), a.name) < std::pair(tourIndex(b.name), b.name);
    });
    return out;
}

QString unknownSetMessage(const QString &nameOrPath)
{
    if (QFile::exists(nameOrPath) || (!nameOrPath.contains(QLatin1Char('/')) && QFile::exists(resourcePathOf(nameOrPath))))
        return {};
    // Names that contain what was typed (or are contained in it) first, then by distance.
    std::vector<std::pair<int, QString>> near;
    for (const BuiltinSet &set : builtinSets()) {
        const bool overlaps = set.name.contains(nameOrPath, Qt::CaseInsensitive) || nameOrPath.contains(set.name, Qt::CaseInsensitive);
        near.emplace_back((overlaps ? 0 : 1000) + editDistance(nameOrPath, set.name), set.name);
    }
    std::stable_sort(near.begin(), near.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    QStringList closest;
    for (std::size_t i = 0; i < near.size() && i < 3; ++i)
        closest << near[i].second;
    return QStringLiteral("no built-in set or file named \"%1\"; the closest built-in sets: %2 (`coroscope list` shows them all)")
        .arg(nameOrPath, closest.join(QStringLiteral(", ")));
}

QString setFilePath(const QString &nameOrPath)
{
    const QString builtin = resourcePathOf(nameOrPath);
    if (!nameOrPath.contains(QLatin1Char('/')) && QFile::exists(builtin))
        return builtin;
    return nameOrPath;
}

ParseResult loadSet(const QString &nameOrPath)
{
    return loadTaskSetFile(setFilePath(nameOrPath));
}

namespace {
std::uint64_t saturatingAdd(std::uint64_t a, std::uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}
std::uint64_t saturatingMul(std::uint64_t a, std::uint64_t b)
{
    return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}
std::uint64_t tasksOf(const Node &n)
{
    std::uint64_t count = 1;
    for (const auto &c : n.children)
        count = saturatingAdd(count, tasksOf(*c));
    if (n.child)
        count = saturatingAdd(count, tasksOf(*n.child));
    if (n.op == Op::Repeat && n.task)
        count = saturatingAdd(count, saturatingMul(std::uint64_t(n.count), tasksOf(*n.task)));
    if (n.op == Op::Queue)
        count = saturatingAdd(count, std::uint64_t(n.producers + n.consumers));
    for (const auto &cb : n.callbacks) {
        if (cb.task)
            count = saturatingAdd(count, tasksOf(*cb.task));
    }
    return count;
}
} // namespace

RunEstimate estimateRun(const TaskSet &set)
{
    std::uint64_t count = 0;
    for (const auto &n : set.tasks)
        count = saturatingAdd(count, tasksOf(*n));
    return estimateTasks(count);
}

RunEstimate estimateTasks(std::uint64_t tasks)
{
    // What a task costs in memory while a run goes on (runtime, record and journal).
    constexpr double kBytesPerTask = 800.0;
    return {tasks, double(tasks) * kBytesPerTask};
}

std::optional<double> availableMemoryBytes()
{
    std::optional<double> available;
    QFile meminfo(QStringLiteral("/proc/meminfo"));
    if (meminfo.open(QIODevice::ReadOnly | QIODevice::Text)) {
        for (QByteArray line = meminfo.readLine(); !line.isEmpty(); line = meminfo.readLine()) {
            if (line.startsWith("MemAvailable:")) {
                bool ok = false;
                const double kib = line.mid(13).trimmed().split(' ').value(0).toDouble(&ok);
                if (ok)
                    available = kib * 1024.0;
                break;
            }
        }
    }
    for (const int resource : {RLIMIT_AS, RLIMIT_DATA}) {
        rlimit limit {};
        if (::getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
            continue;
        // What the process already holds counts against its limit.
        double used = 0;
        QFile status(QStringLiteral("/proc/self/status"));
        const QByteArray key = resource == RLIMIT_AS ? "VmSize:" : "VmData:";
        if (status.open(QIODevice::ReadOnly | QIODevice::Text)) {
            for (QByteArray line = status.readLine(); !line.isEmpty(); line = status.readLine()) {
                if (line.startsWith(key)) {
                    used = line.mid(key.size()).trimmed().split(' ').value(0).toDouble() * 1024.0;
                    break;
                }
            }
        }
        const double left = std::max(0.0, double(limit.rlim_cur) - used);
        available = available ? std::min(*available, left) : left;
    }
    return available;
}

} // namespace coroscope::taskset
