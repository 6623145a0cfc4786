using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace Mesh.ServiceDefaults.Telemetry;

/// <summary>
/// Which traces a service records (docs/decisions/0007). OpenTelemetry's own settings come first: when
/// <c>OTEL_TRACES_SAMPLER</c> is configured, the SDK builds that sampler itself (with <c>OTEL_TRACES_SAMPLER_ARG</c>).
/// Otherwise the default depends on the environment:
/// <list type="bullet">
/// <item>Development (the app host runs services there): every trace, so the dashboard shows every call.</item>
/// <item>Anywhere else: a trace that arrives with a decision keeps it (ParentBased), so a trace is recorded or
/// dropped whole across services and the broker; a trace this service starts is recorded with probability
/// <see cref="DefaultRatio"/>, or <c>OTEL_TRACES_SAMPLER_ARG</c> when that is set. Recording and exporting every
/// call's spans costs more than a fifth of a small call's CPU (docs/performance.md §6e).</item>
/// </list>
/// </summary>
public static class TraceSampling
{
    public const string SamplerKey = "OTEL_TRACES_SAMPLER";
    public const string SamplerArgKey = "OTEL_TRACES_SAMPLER_ARG";

    /// <summary>Share of the traces a service starts that it records outside Development.</summary>
    public const double DefaultRatio = 0.1;

    /// <summary>Our default sampler, or null when configuration names one (the SDK then reads it).</summary>
    public static Sampler? Default(IConfiguration configuration, IHostEnvironment environment)
    {
        if (!string.IsNullOrWhiteSpace(configuration[SamplerKey])) return null;
        if (environment.IsDevelopment()) return new ParentBasedSampler(new AlwaysOnSampler());
        return new ParentBasedSampler(new TraceIdRatioBasedSampler(Ratio(configuration)));
    }

    private static double Ratio(IConfiguration configuration)
    {
        var text = configuration[SamplerArgKey];
        if (string.IsNullOrWhiteSpace(text)) return DefaultRatio;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1
            ? ratio
            : throw new InvalidOperationException($"{SamplerArgKey}='{text}' is not a ratio between 0 and 1 (e.g. 0.1).");
    }
}
