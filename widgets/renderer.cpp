#include "renderer.h"

#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QQuickWindow>
#include <QSGRendererInterface>

namespace coroscope::widgets {

namespace {

// GL_RENDERER of a throw-away context; nullopt when there is no usable OpenGL.
std::optional<QString> openGlRenderer()
{
    QOpenGLContext context;
    if (!context.create())
        return std::nullopt;
    QOffscreenSurface surface;
    surface.setFormat(context.format());
    surface.create();
    if (!surface.isValid() || !context.makeCurrent(&surface))
        return std::nullopt;
    const auto *name = reinterpret_cast<const char *>(context.functions()->glGetString(GL_RENDERER));
    QString renderer = name ? QString::fromLatin1(name) : QString();
    context.doneCurrent();
    return renderer;
}

} // namespace

std::optional<RendererRequest> parseRendererRequest(QStringView name)
{
    if (name == u"auto")
        return RendererRequest::Auto;
    if (name == u"gpu")
        return RendererRequest::Gpu;
    if (name == u"software")
        return RendererRequest::Software;
    return std::nullopt;
}

bool isCpuRasteriser(QStringView glRenderer)
{
    for (const QStringView cpu : {u"llvmpipe", u"softpipe", u"swrast", u"software rasterizer", u"swiftshader"}) {
        if (glRenderer.contains(cpu, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

RendererChoice chooseRenderer(RendererRequest request)
{
    const auto useSoftware = [](QString reason) {
        QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);
        return RendererChoice{true, std::move(reason)};
    };
    switch (request) {
    case RendererRequest::Software:
        return useSoftware(QStringLiteral("software renderer (--renderer software)"));
    case RendererRequest::Gpu:
        QQuickWindow::setGraphicsApi(QSGRendererInterface::OpenGLRhi);
        return {false, QStringLiteral("OpenGL (--renderer gpu)")};
    case RendererRequest::Auto:
        break;
    }
    for (const char *variable : {"QT_QUICK_BACKEND", "QSG_RHI_BACKEND"}) {
        if (const QString value = qEnvironmentVariable(variable); !value.isEmpty()) {
            const bool software = QLatin1String(variable) == QLatin1String("QT_QUICK_BACKEND")
                && (value == QLatin1String("software") || value == QLatin1String("softwarecontext"));
            return {software, QStringLiteral("the renderer %1=%2 asks for").arg(QLatin1String(variable), value)};
        }
    }
    const std::optional<QString> gl = openGlRenderer();
    if (!gl)
        return useSoftware(QStringLiteral("software renderer: no usable OpenGL"));
    if (isCpuRasteriser(*gl))
        return useSoftware(QStringLiteral("software renderer: OpenGL is %1, drawn by the CPU (--renderer gpu to use it anyway)").arg(*gl));
    return {false, QStringLiteral("OpenGL on %1").arg(*gl)};
}

} // namespace coroscope::widgets
