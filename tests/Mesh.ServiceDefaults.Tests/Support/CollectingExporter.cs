using System.Diagnostics;
using OpenTelemetry;

namespace Mesh.ServiceDefaults.Tests.Support;

/// <summary>Keeps every finished span, thread-safe (several pipelines of one test process may export at once).</summary>
public sealed class CollectingExporter : BaseExporter<Activity>
{
    private readonly List<Activity> _spans = new();

    public IReadOnlyList<Activity> Spans
    {
        get { lock (_spans) return _spans.ToList(); }
    }

    public override ExportResult Export(in Batch<Activity> batch)
    {
        lock (_spans)
            foreach (var activity in batch) _spans.Add(activity);
        return ExportResult.Success;
    }
}
