#include "rundiff.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <map>
#include <unordered_map>

namespace coroscope::log {

namespace {

constexpr qsizetype kValueChars = 80;

struct Keyed {
    QString path;
    std::size_t rank = 0; // among the tasks of the same run that share `path`
};

// Each task's name path and its rank among those sharing it, in the log's id order.
std::vector<Keyed> keysOf(const RunLog &log)
{
    std::unordered_map<std::int64_t, std::size_t> indexOfId;
    indexOfId.reserve(log.tasks.size());
    for (std::size_t i = 0; i < log.tasks.size(); ++i)
        indexOfId.emplace(log.tasks[i].id, i);

    std::vector<Keyed> keys(log.tasks.size());
    std::vector<char> done(log.tasks.size(), 0);
    std::vector<std::size_t> chain;
    for (std::size_t i = 0; i < log.tasks.size(); ++i) {
        // Walk up to the first ancestor whose path is known; a parent outside the log
        // (or a cycle, which the reader refuses) ends the walk as a top-level task.
        chain.clear();
        std::size_t at = i;
        while (!done[at] && chain.size() <= log.tasks.size()) {
            chain.push_back(at);
            const auto &parent = log.tasks[at].parent;
            const auto it = parent ? indexOfId.find(*parent) : indexOfId.end();
            if (it == indexOfId.end())
                break;
            at = it->second;
        }
        QString prefix = done[at] && chain.back() != at ? keys[at].path : QString();
        for (auto c = chain.rbegin(); c != chain.rend(); ++c) {
            const QString &name = log.tasks[*c].name;
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

QString valueText(const QJsonValue &v)
{
    if (v.isNull() || v.isUndefined())
        return QStringLiteral("null");
    QString text;
    if (v.isArray())
        text = QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    else if (v.isObject())
        text = QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    else // a scalar: wrap it to reuse the document's number and string spelling
        text = QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact)).mid(1).chopped(1);
    if (text.size() > kValueChars)
        text = text.left(kValueChars) + QStringLiteral("… (%1 characters)").arg(text.size());
    return text;
}

QString optionalText(const std::optional<QString> &s)
{
    return s ? QLatin1Char('"') + *s + QLatin1Char('"') : QStringLiteral("none");
}

} // namespace

RunDiffResult diffRuns(const RunLog &a, const RunLog &b, double toleranceMs)
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
            continue;
        }
        matchedB[it->second] = 1;
        ++result.compared;
        const LogTask &ta = a.tasks[i];
        const LogTask &tb = b.tasks[it->second];
        TaskDiff d;
        d.path = shown(keysA[i]);
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
        if (!matchedB[i])
            result.onlyInB << shown(keysB[i]);
    }
    return result;
}

QStringList formatRunDiff(const RunDiffResult &diff, double toleranceMs)
{
    QStringList lines;
    std::size_t moved = 0;
    std::size_t differing = 0;
    for (const TaskDiff &d : diff.changed) {
        QStringList parts = d.fields;
        if (d.moved) {
            ++moved;
            parts << QStringLiteral("finished %1%2 ms").arg(d.finishedShiftMs > 0 ? QStringLiteral("+") : QString())
                         .arg(d.finishedShiftMs, 0, 'f', 1);
        }
        if (!d.fields.isEmpty())
            ++differing;
        lines << QStringLiteral("changed  %1: %2").arg(d.path, parts.join(QStringLiteral("; ")));
    }
    for (const QString &p : diff.onlyInA)
        lines << QStringLiteral("only in A  %1").arg(p);
    for (const QString &p : diff.onlyInB)
        lines << QStringLiteral("only in B  %1").arg(p);
    if (diff.agree()) {
        lines << QStringLiteral("the runs agree: %1 tasks, same outcomes, finish times within %2 ms")
                     .arg(diff.compared)
                     .arg(toleranceMs);
    } else {
        lines << QStringLiteral("the runs differ: %1 tasks compared, %2 with another outcome, %3 finished more than %4 ms "
                                "apart, %5 only in A, %6 only in B")
                     .arg(diff.compared)
                     .arg(differing)
                     .arg(moved)
                     .arg(toleranceMs)
                     .arg(diff.onlyInA.size())
                     .arg(diff.onlyInB.size());
    }
    return lines;
}

} // namespace coroscope::log
