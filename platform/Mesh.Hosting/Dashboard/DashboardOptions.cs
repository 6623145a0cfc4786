namespace Mesh.Hosting.Dashboard;

/// <summary>
/// Where the dashboard listens and how much it keeps. Every store drops its oldest entries past its cap,
/// so a long session costs a bounded amount of memory however chatty the mesh is.
/// </summary>
public sealed class DashboardOptions
{
    /// <summary>The UI: http://localhost:18888 (Aspire's default). 0 = a free port (tests).</summary>
    public int Port { get; set; } = 18888;

    /// <summary>The OTLP/HTTP receiver (the standard OTLP/HTTP port). 0 = a free port (tests).</summary>
    public int OtlpPort { get; set; } = 4318;

    public int MaxSpans { get; set; } = 20_000;
    public int MaxStructuredLogs { get; set; } = 20_000;
    public int MaxConsoleLinesPerResource { get; set; } = 5_000;

    /// <summary>Distinct metric series (service + instrument + attributes) kept with their latest point.</summary>
    public int MaxMetricSeries { get; set; } = 2_000;

    /// <summary>Largest OTLP request body accepted; bigger ones get 413 (exporters batch well below this).</summary>
    public int MaxOtlpRequestBytes { get; set; } = 8 * 1024 * 1024;
}
