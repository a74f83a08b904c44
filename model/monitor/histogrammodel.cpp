#include "histogrammodel.h"

#include "log/optag.h"

#include <algorithm>

namespace coroscope::monitor {

using log::Measure;

HistogramModel::HistogramModel(const TaskStore *store, TaskListModel *tasks, QObject *parent)
    : QObject(parent), m_store(store), m_tasks(tasks)
{
    connect(store, &TaskStore::ticked, this, &HistogramModel::onTicked);
    connect(store, &TaskStore::runRemoved, this, &HistogramModel::refresh);
    m_refreshLater.setSingleShot(true);
    m_refreshLater.setTimerType(Qt::PreciseTimer);
    connect(&m_refreshLater, &QTimer::timeout, this, &HistogramModel::refresh);
}

void HistogramModel::onTicked()
{
    const qint64 since = m_sinceRefresh.isValid() ? m_sinceRefresh.elapsed() : kTickRefreshMs;
    if (since >= kTickRefreshMs)
        refresh();
    else if (!m_refreshLater.isActive())
        m_refreshLater.start(int(kTickRefreshMs - since));
}

void HistogramModel::setRunId(int runId)
{
    if (runId == m_runId)
        return;
    m_runId = runId;
    refresh();
}

void HistogramModel::setOp(const QString &op)
{
    if (op == m_op)
        return;
    m_op = op;
    refresh();
    applyFilter();
    Q_EMIT selectorsChanged();
}

void HistogramModel::setState(const QString &state)
{
    if (state == m_state)
        return;
    m_state = state;
    refresh();
    applyFilter();
    Q_EMIT selectorsChanged();
}

std::uint32_t HistogramModel::opMask() const
{
    if (m_op.isEmpty())
        return ~std::uint32_t(0);
    return 1u << log::opSlot(std::uint8_t(log::opTagFromName(m_op)));
}

unsigned HistogramModel::stateMask() const
{
    for (int s = 0; s < kStateCount; ++s) {
        if (rt::toString(rt::TaskState(s)) == m_state)
            return stateBit(rt::TaskState(s));
    }
    return kAllStates;
}

void HistogramModel::refresh()
{
    m_refreshLater.stop();
    m_sinceRefresh.start();
    std::array<log::Buckets, log::kMeasureCount> counts{};
    std::uint32_t seen = 0;
    const std::uint32_t ops = opMask();
    const unsigned states = stateMask();
    for (int runId = 1; runId <= m_store->runCount(); ++runId) {
        if (m_runId != 0 && runId != m_runId)
            continue;
        const log::TaskHistograms *h = m_store->histograms(runId);
        if (!h)
            continue;
        seen |= h->opsSeen();
        for (int m = 0; m < log::kMeasureCount; ++m)
            h->addTo(Measure(m), ops, states, counts[std::size_t(m)]);
    }
    QStringList names;
    for (int op = 0; op < log::kOpSlots; ++op) {
        if (seen & (1u << op))
            names.append(log::opName(log::OpTag(op)));
    }
    names.sort();
    if (names != m_ops) {
        m_ops = names;
        Q_EMIT opsChanged();
    }
    if (counts == m_counts)
        return;
    m_counts = counts;
    Q_EMIT changed();
}

QVariantList HistogramModel::list(Measure measure) const
{
    QVariantList out;
    out.reserve(log::kBucketCount);
    for (std::uint64_t c : m_counts[std::size_t(measure)])
        out.append(double(c));
    return out;
}

void HistogramModel::select(int measure, int first, int last)
{
    if (measure < 0 || measure >= log::kMeasureCount)
        return;
    if (first > last)
        std::swap(first, last);
    m_filter.measure = Measure(measure);
    m_filter.first = std::clamp(first, 0, log::kBucketCount - 1);
    m_filter.last = std::clamp(last, 0, log::kBucketCount - 1);
    m_selected = true;
    applyFilter();
    Q_EMIT selectionChanged();
}

void HistogramModel::clearSelection()
{
    if (!m_selected)
        return;
    m_selected = false;
    m_filter = RangeFilter{};
    applyFilter();
    Q_EMIT selectionChanged();
}

void HistogramModel::applyFilter()
{
    if (!m_selected) {
        m_tasks->setRangeFilter(RangeFilter{});
        return;
    }
    m_filter.opMask = opMask();
    m_filter.stateMask = stateMask();
    m_tasks->setRangeFilter(m_filter);
}

QString HistogramModel::selectionText() const
{
    if (!m_selected)
        return {};
    static const char *const kTitles[] = {QT_TR_NOOP("duration"), QT_TR_NOOP("wait"), QT_TR_NOOP("step")};
    const QString range = m_filter.first == m_filter.last
        ? log::bucketText(m_filter.first)
        : QStringLiteral("%1 – %2").arg(log::edgeText(m_filter.first), log::edgeText(m_filter.last + 1));
    QString text = tr(kTitles[int(m_filter.measure)]) + QLatin1Char(' ') + range;
    if (!m_op.isEmpty())
        text += QStringLiteral(" · ") + m_op;
    if (!m_state.isEmpty())
        text += QStringLiteral(" · ") + m_state;
    return text;
}

} // namespace coroscope::monitor
