#pragma once

// Starts the dashboard (the QML UI of the Coroscope module) and runs it until the
// window closes; `launch` are sets (built-in names or paths) to start at once.
// `renderer` settles how Qt Quick draws (widgets/renderer.h); the choice is logged.
// Returns the exit code (2 if a set to launch is bad: its errors go to stderr).

#include "widgets/renderer.h"

#include <QStringList>

namespace coroscope::app {

[[nodiscard]] int runDashboard(int &argc, char **argv, const QStringList &launch = {},
                               widgets::RendererRequest renderer = widgets::RendererRequest::Auto);

} // namespace coroscope::app
