#include "builtins.h"

#include <QDir>
#include <QFile>

#include <algorithm>

namespace coroscope::taskset {

namespace {
const QString kResourceDir = QStringLiteral(":/tasksets");

QString resourcePathOf(const QString &name)
{
    return kResourceDir + QLatin1Char('/') + name + QStringLiteral(".json");
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
    std::sort(out.begin(), out.end(), [](const BuiltinSet &a, const BuiltinSet &b) { return a.name < b.name; });
    return out;
}

ParseResult loadSet(const QString &nameOrPath)
{
    const QString builtin = resourcePathOf(nameOrPath);
    if (!nameOrPath.contains(QLatin1Char('/')) && QFile::exists(builtin))
        return loadTaskSetFile(builtin);
    return loadTaskSetFile(nameOrPath);
}

} // namespace coroscope::taskset
