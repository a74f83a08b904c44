#include "rundiff.h"

#include "log/logreplay.h"

#include <cmath>
#include <map>
#include <optional>
#include <unordered_map>

namespace coroscope::log {

namespace {

constexpr qsizetype kValueChars = 80;

struct Keyed {
    QString path;
    std::size_t rank = 0; // among the tasks of the same run that share `path`
};

// Each task's name path and its rank among those sharing it, in the run's id order
// (index = run-local id - 1).
std::vector<Keyed> keysOf(const RunRecord &run)
{
    const std::size_t n = run.taskCount();
    constexpr std::size_t kTop = ~std::size_t(0);
    std::vector<std::size_t> parentOf(n, kTop);
    std::vector<QString> names(n);
    for (std::uint64_t id = 1; id <= n; ++id) {
        const std::uint32_t row = run.arrivalRowOf(id);
        names[id - 1] = run.nameAt(row);
        // A parent outside the run makes a top-level task.
        if (const std::uint64_t parent = run.row(row).parent; parent != 0) {
            if (const std::uint64_t local = run.localId(parent); local != 0 && local != id)
                parentOf[id - 1] = std::size_t(local - 1);
        }
    }

    std::vector<Keyed> keys(n);
    std::vector<char> done(n, 0);
    std::vector<std::size_t> chain;
    for (std::size_t i = 0; i < n; ++i) {
        // Walk up to the first ancestor whose path is known (bounded: a cycle, which
        // the runtime and the log reader never make, ends as a top-level task).
        chain.clear();
        std::size_t at = i;
        while (!done[at] && chain.size() <= n) {
            chain.push_back(at);
            if (parentOf[at] == kTop)
                break;
            at = parentOf[at];
        }
        QString prefix = done[at] && chain.back() != at ? keys[at].path : QString();
        for (auto c = chain.rbegin(); c != chain.rend(); ++c) {
            const QString &name = names[*c];
            prefix = prefix.isEmpty() ? name : prefix + QStringLiteral(" / ") + name;
            keys[*c].path = prefix;
            done[*c] = 1;
        }
    }
    std::unordered_map<QString, std::size_t> seen;
    for (Keyed &k : keys)
        k.rank = seen[k.path]++;
    return keys;
}

// What the comparison reads of a task: its outcome as the log writes it.
struct Outcome {
    rt::TaskState state = rt::TaskState::Pending;
    QString result;                    // JSON text when done, "" = null
    std::optional<QString> error;      // when failed
    std::optional<QString> cancelReason; // when cancelled
    std::optional<double> finishedMs;  // since the run's start
};

Outcome outcomeOf(const RunRecord &run, std::uint64_t id)
{
    const std::uint32_t row = run.arrivalRowOf(id);
    const RunRecord::TaskRow &r = run.row(row);
    Outcome o;
    o.state = r.state;
    if (r.state == rt::TaskState::Done)
        o.result = run.outcomeAt(row);
    if (r.state == rt::TaskState::Failed) {
        if (QString error = run.outcomeAt(row); !error.isEmpty())
            o.error = std::move(error);
    }
    if (r.state == rt::TaskState::Cancelled)
        o.cancelReason = run.cancelReasonAt(row);
    if (r.finishedNs != RunRecord::kNone)
        o.finishedMs = double(r.finishedNs - run.startNs()) / 1e6;
    return o;
}

QString valueText(const QString &json)
{
    if (json.isEmpty())
        return QStringLiteral("null");
    if (json.size() > kValueChars)
        return json.left(kValueChars) + QStringLiteral("… (%1 characters)").arg(json.size());
    return json;
}

QString optionalText(const std::optional<QString> &s)
{
    return s ? QLatin1Char('"') + *s + QLatin1Char('"') : QStringLiteral("none");
}

} // namespace

RunDiffResult diffRuns(const RunRecord &a, const RunRecord &b, double toleranceMs)
{
    const std::vector<Keyed> keysA = keysOf(a);
    const std::vector<Keyed> keysB = keysOf(b);

    std::map<std::pair<QString, std::size_t>, std::size_t> inB;
    std::unordered_map<QString, std::size_t> sharedA;
    std::unordered_map<QString, std::size_t> sharedB;
    for (std::size_t i = 0; i < keysB.size(); ++i) {
        inB.emplace(std::pair(keysB[i].path, keysB[i].rank), i);
        ++sharedB[keysB[i].path];
    }
    for (const Keyed &k : keysA)
        ++sharedA[k.path];
    const auto shown = [&](const Keyed &k) {
        const bool shared = sharedA[k.path] > 1 || sharedB[k.path] > 1;
        return shared ? k.path + QStringLiteral(" #%1").arg(k.rank + 1) : k.path;
    };

    RunDiffResult result;
    std::vector<char> matchedB(keysB.size(), 0);
    for (std::size_t i = 0; i < keysA.size(); ++i) {
        const auto it = inB.find(std::pair(keysA[i].path, keysA[i].rank));
        if (it == inB.end()) {
            result.onlyInA << shown(keysA[i]);
            result.onlyInAIds.push_back(i + 1);
            continue;
        }
        matchedB[it->second] = 1;
        ++result.compared;
        const Outcome ta = outcomeOf(a, i + 1);
        const Outcome tb = outcomeOf(b, it->second + 1);
        TaskDiff d;
        d.path = shown(keysA[i]);
        d.idA = i + 1;
        d.idB = it->second + 1;
        if (ta.state != tb.state)
            d.fields << QStringLiteral("state: %1 -> %2").arg(rt::toString(ta.state), rt::toString(tb.state));
        if (ta.result != tb.result)
            d.fields << QStringLiteral("result: %1 -> %2").arg(valueText(ta.result), valueText(tb.result));
        if (ta.error != tb.error)
            d.fields << QStringLiteral("error: %1 -> %2").arg(optionalText(ta.error), optionalText(tb.error));
        if (ta.cancelReason != tb.cancelReason)
            d.fields << QStringLiteral("cancel reason: %1 -> %2").arg(optionalText(ta.cancelReason), optionalText(tb.cancelReason));
        if (ta.finishedMs && tb.finishedMs) {
            d.finishedShiftMs = *tb.finishedMs - *ta.finishedMs;
            d.moved = std::abs(d.finishedShiftMs) > toleranceMs;
        }
        if (!d.fields.isEmpty() || d.moved)
            result.changed.push_back(std::move(d));
    }
    for (std::size_t i = 0; i < keysB.size(); ++i) {
        if (!matchedB[i]) {
            result.onlyInB << shown(keysB[i]);
            result.onlyInBIds.push_back(i + 1);
        }
    }
    return result;
}

RunDiffResult diffRuns(const RunLog &a, const RunLog &b, double toleranceMs)
{
    RunRecord recordA(RunRecord::Spool::None);
    RunRecord recordB(RunRecord::Spool::None);
    replayLog(a, recordA);
    replayLog(b, recordB);
    return diffRuns(recordA, recordB, toleranceMs);
}

QString describeTaskDiff(const TaskDiff &diff)
{
    QStringList parts = diff.fields;
    if (diff.moved) {
        parts << QStringLiteral("finished %1%2 ms")
                     .arg(diff.finishedShiftMs > 0 ? QStringLiteral("+") : QString())
                     .arg(diff.finishedShiftMs, 0, 'f', 1);
    }
    return parts.join(QStringLiteral("; "));
}

QString summarizeRunDiff(const RunDiffResult &diff, double toleranceMs)
{
    if (diff.agree()) {
        return QStringLiteral("the runs agree: %1 tasks, same outcomes, finish times within %2 ms")
            .arg(diff.compared)
            .arg(toleranceMs);
    }
    std::size_t moved = 0;
    std::size_t differing = 0;
    for (const TaskDiff &d : diff.changed) {
        moved += d.moved ? 1 : 0;
        differing += d.fields.isEmpty() ? 0 : 1;
    }
    return QStringLiteral("the runs differ: %1 tasks compared, %2 with another outcome, %3 finished more than %4 ms "
                          "apart, %5 only in A, %6 only in B")
        .arg(diff.compared)
        .arg(differing)
        .arg(moved)
        .arg(toleranceMs)
        .arg(diff.onlyInA.size())
        .arg(diff.onlyInB.size());
}

QStringList formatRunDiff(const RunDiffResult &diff, double toleranceMs)
{
    QStringList lines;
    for (const TaskDiff &d : diff.changed)
        lines << QStringLiteral("changed  %1: %2").arg(d.path, describeTaskDiff(d));
    for (const QString &p : diff.onlyInA)
        lines << QStringLiteral("only in A  %1").arg(p);
    for (const QString &p : diff.onlyInB)
        lines << QStringLiteral("only in B  %1").arg(p);
    lines << summarizeRunDiff(diff, toleranceMs);
    return lines;
}

} // namespace coroscope::log
