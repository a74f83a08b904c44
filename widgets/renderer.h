#pragma once

// How Qt Quick draws the dashboard: the GPU through the scene graph's RHI (OpenGL
// here), or Qt Quick's software renderer (QPainter into the window's backing store).
//
// Where OpenGL itself runs on the CPU (Mesa's llvmpipe and softpipe: virtual machines,
// remote X, Xvfb, no GPU driver), the software renderer is the cheaper of the two: the
// RHI renderer redraws the whole window every frame, on a render thread and
// llvmpipe's rasteriser threads that compete with the monitored loops for the same
// cores, while the software renderer repaints only what changed, on the GUI thread.
// Measured with a million tasks on 2 cores (bench/RESULTS.md). So `Auto` asks OpenGL
// who draws it and takes the software renderer for a CPU rasteriser or for no OpenGL
// at all; the GPU otherwise.
//
// Auto asks in a child process (this program run again, see answerRendererProbe):
// a GL driver's libraries stay mapped once loaded, and llvmpipe's alone (LLVM) keep
// some 50 MB resident in a dashboard that then draws without them.
//
// Threading: GUI thread, once, after the QGuiApplication exists and before the first
// Qt Quick window is made (it sets QQuickWindow's process-wide graphics API). Auto
// costs one start of this program and a throw-away OpenGL context in it (0.1-0.3 s
// with llvmpipe).

#include <QString>
#include <QStringView>

#include <optional>

namespace coroscope::widgets {

enum class RendererRequest { Auto, Gpu, Software };

// "auto", "gpu" or "software"; nullopt for anything else.
[[nodiscard]] std::optional<RendererRequest> parseRendererRequest(QStringView name);

// True for the GL_RENDERER strings of OpenGL drawn by the CPU ("llvmpipe (LLVM 15.0.6,
// 256 bits)", "softpipe", "Software Rasterizer", ...).
[[nodiscard]] bool isCpuRasteriser(QStringView glRenderer);

struct RendererChoice
{
    bool software = false;
    QString reason; // one line for the log: what was chosen, and why
};

// A program that draws with chooseRenderer() calls this first thing in main(), before
// its QGuiApplication exists. In the child that Auto starts (its environment says so)
// it answers the question and returns the child's exit code, which main() returns;
// anywhere else it returns nullopt and lets chooseRenderer() ask such a child. A
// program that never calls it is asked in its own process (the driver then stays).
[[nodiscard]] std::optional<int> answerRendererProbe(int &argc, char **argv);

// Settles the renderer for the windows made after it. Under Auto, a renderer the user
// chose through Qt's own environment (QT_QUICK_BACKEND, QSG_RHI_BACKEND) is kept.
RendererChoice chooseRenderer(RendererRequest request);

} // namespace coroscope::widgets
