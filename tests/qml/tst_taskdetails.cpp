// TaskDetails, the details pane's view of one task, fed by a real TaskMonitor: on each
// tick it re-signals exactly the fields whose value moved (one NOTIFY signal per typed
// property), so a binding on the task's name is not re-evaluated when its state moves.
// Read through the meta-object, as QML reads it.
#include <catch2/catch.hpp>

#include "monitor/taskmonitor.h"
#include "qml/taskdetails.h"
#include "support/looprunner.h"
#include "taskset/taskset.h"

#include <QMetaProperty>
#include <QSignalSpy>

#include <cmath>
#include <map>
#include <memory>
#include <set>

using namespace coroscope;
using namespace coroscope::testing;
using namespace std::chrono_literals;

namespace {

// The task's fields: every property TaskDetails notifies, but for what QML sets.
std::vector<QMetaProperty> fieldProperties(const QObject &details)
{
    std::vector<QMetaProperty> fields;
    const QMetaObject *meta = details.metaObject();
    for (int i = meta->propertyOffset(); i < meta->propertyCount(); ++i) {
        const QMetaProperty p = meta->property(i);
        if (p.hasNotifySignal() && !p.isWritable())
            fields.push_back(p);
    }
    return fields;
}

// Equal values, a NaN (a time that has not come) equal to a NaN.
bool same(const QVariant &a, const QVariant &b)
{
    if (a.typeId() == QMetaType::Double && b.typeId() == QMetaType::Double && std::isnan(a.toDouble()) &&
        std::isnan(b.toDouble()))
        return true;
    return a == b;
}

qint64 keyNamed(monitor::TaskMonitor &m, const QString &name)
{
    auto *model = m.tasks();
    const int nameRole = model->roleNames().key("name");
    for (int r = 0; r < model->rowCount(); ++r) {
        if (model->data(model->index(r), nameRole).toString() == name)
            return model->keyAt(r);
    }
    return -1;
}

} // namespace

TEST_CASE("a tick re-signals the task's fields that changed, and only those")
{
    monitor::TaskMonitor m;
    qml::TaskDetails details;
    details.setMonitor(&m);
    taskset::ParseResult parsed = taskset::parseTaskSet(R"({"format": "coroscope.taskset/1", "name": "one", "tasks": [
        {"op": "sleep", "name": "nap", "seconds": 0.3, "result": "rested"}]})",
                                                        QStringLiteral("one.json"));
    REQUIRE(parsed.ok());
    m.launch(std::move(*parsed.set));
    REQUIRE(runUntil([&] {
        m.tick();
        return keyNamed(m, QStringLiteral("nap")) >= 0;
    }, 10s).reached);
    REQUIRE(details.setProperty("taskKey", double(keyNamed(m, QStringLiteral("nap")))));

    const std::vector<QMetaProperty> fields = fieldProperties(details);
    const auto names = [&] {
        std::set<QByteArray> all;
        for (const QMetaProperty &p : fields)
            all.insert(p.name());
        return all;
    }();
    // The fields the pane shows each have a property of their own.
    for (const char *field : {"name", "op", "state", "loop", "awaiting", "createdMs", "startedMs", "finishedMs", "result",
                              "error", "cancelReason", "parentKey", "originKey", "queueDepth", "moreChildren"}) {
        INFO("field " << field);
        CHECK(names.count(field) == 1);
    }

    std::map<QByteArray, QVariant> shown;
    std::map<QByteArray, std::unique_ptr<QSignalSpy>> spies;
    for (const QMetaProperty &p : fields) {
        shown[p.name()] = p.read(&details);
        spies[p.name()] = std::make_unique<QSignalSpy>(&details, p.notifySignal());
    }
    REQUIRE(details.property("name").toString() == QStringLiteral("nap"));

    // After TaskDetails has read the tick (it connected first): what moved, what was signalled.
    int ticks = 0;
    std::set<QByteArray> whenItEnded;
    QObject::connect(&m, &monitor::TaskMonitor::ticked, &details, [&] {
        ++ticks;
        std::set<QByteArray> moved;
        std::set<QByteArray> signalled;
        for (const QMetaProperty &p : fields) {
            const QVariant now = p.read(&details);
            if (!same(now, shown[p.name()]))
                moved.insert(p.name());
            shown[p.name()] = now;
            if (spies[p.name()]->count() > 0)
                signalled.insert(p.name());
            spies[p.name()]->clear();
        }
        CHECK(signalled == moved);
        if (moved.count("state") && shown["state"].toString() == QStringLiteral("done"))
            whenItEnded = signalled;
    });
    REQUIRE(runUntil([&] {
        m.tick();
        return details.property("state").toString() == QStringLiteral("done");
    }, 10s).reached);
    CHECK(ticks > 1);

    // The tick the task ended in signalled its state, end and result; not what stayed.
    CHECK(whenItEnded.count("state") == 1);
    CHECK(whenItEnded.count("finishedMs") == 1);
    CHECK(whenItEnded.count("result") == 1);
    for (const char *kept : {"name", "op", "loop", "createdMs", "parentKey", "error", "cancelReason"}) {
        INFO("field " << kept);
        CHECK(whenItEnded.count(kept) == 0);
    }
    CHECK(details.property("result").toString() == QStringLiteral("\"rested\""));
}
