#include "renderer.h"

#include <QCoreApplication>
#include <QGuiApplication>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QProcess>
#include <QQuickWindow>
#include <QSGRendererInterface>
#include <QTextStream>

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

// The child's environment variable, and its one line of answer: "gl RENDERER" or "none".
constexpr char kProbeVariable[] = "COROSCOPE_RENDERER_PROBE";
constexpr QLatin1StringView kProbeAnswer{"gl "};
// A driver that hangs while making a context must not keep the dashboard from starting.
constexpr int kProbeTimeoutMs = 10'000;
bool g_childAnswers = false; // answerRendererProbe() was called: this program can be the child

// GL_RENDERER as the child answers it; nullopt when it has no usable OpenGL, or did not
// answer (crashed in the driver, hung, could not start): no usable OpenGL either.
std::optional<QString> openGlRendererInChild()
{
    QProcess child;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QLatin1String(kProbeVariable), QStringLiteral("1"));
    child.setProcessEnvironment(environment);
    child.setStandardErrorFile(QProcess::nullDevice()); // the driver's and Qt's warnings are the child's
    child.start(QCoreApplication::applicationFilePath(), {});
    if (!child.waitForFinished(kProbeTimeoutMs)) {
        child.kill();
        child.waitForFinished();
        return std::nullopt;
    }
    const QString answer = QString::fromUtf8(child.readAllStandardOutput()).trimmed();
    if (child.exitStatus() != QProcess::NormalExit || child.exitCode() != 0 || !answer.startsWith(kProbeAnswer))
        return std::nullopt;
    return answer.mid(kProbeAnswer.size());
}

} // namespace

std::optional<int> answerRendererProbe(int &argc, char **argv)
{
    if (!qEnvironmentVariableIsSet(kProbeVariable)) {
        g_childAnswers = true;
        return std::nullopt;
    }
    QGuiApplication app(argc, argv);
    const std::optional<QString> gl = openGlRenderer();
    QTextStream out(stdout);
    if (gl)
        out << kProbeAnswer << *gl << '\n';
    else
        out << "none\n";
    return 0;
}

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
    const std::optional<QString> gl = g_childAnswers ? openGlRendererInChild() : openGlRenderer();
    if (!gl)
        return useSoftware(QStringLiteral("software renderer: no usable OpenGL"));
    if (isCpuRasteriser(*gl))
        return useSoftware(QStringLiteral("software renderer: OpenGL is %1, drawn by the CPU (--renderer gpu to use it anyway)").arg(*gl));
    return {false, QStringLiteral("OpenGL on %1").arg(*gl)};
}

} // namespace coroscope::widgets
