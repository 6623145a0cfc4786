using System.Text.Json;
using Aspire.Hosting.ApplicationModel;

namespace Mesh.Hosting.Local;

public static class ResourceLogTail
{
    private const int MaxLineLength = 400;

    /// <summary>
    /// The last <paramref name="count"/> lines an instance wrote to its console (the orchestrator's copy, as the
    /// dashboard shows it), oldest first and made readable for a terminal (<see cref="Readable"/>). Empty when none
    /// were kept, or when the orchestrator does not answer within 15 s: a report that reads them goes out without them
    /// rather than not at all.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ReadAsync(ResourceLoggerService logs, string instanceId, int count, CancellationToken ct)
    {
        var lines = new List<string>();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            // GetAllAsync returns the backlog and then completes: the app host's own lines about the instance first
            // ("Waiting for resource…"), then the process's console.
            await foreach (var batch in logs.GetAllAsync(instanceId).WithCancellation(bound.Token))
                lines.AddRange(batch.Select(l => l.Content));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
        // Both sources carry the orchestrator's ISO timestamp in front: ordered by it, the tail is the latest lines. A
        // crash's stack would fill the tail and push out the exception's own line, so only its frames in our code (the
        // ones with a source file) are kept.
        return [.. lines.OrderBy(l => l.Length >= 28 && l[27] == 'Z' ? l[..28] : "", StringComparer.Ordinal)
            .Select(Readable).Where(l => !IsForeignFrame(l)).TakeLast(count)];
    }

    /// <summary>A stack frame without a source file ("   at Npgsql.…(…)"), after <see cref="Readable"/>'s time of day.</summary>
    private static bool IsForeignFrame(string line)
    {
        var text = line.Length > 9 && line[2] == ':' && line[5] == ':' ? line[9..] : line;
        return text.TrimStart().StartsWith("at ", StringComparison.Ordinal) && text.StartsWith(' ') && !text.Contains(" in /", StringComparison.Ordinal);
    }

    /// <summary>
    /// One console line for a person: the orchestrator's timestamp as the time of day, and a service's JSON log entry
    /// (ServiceDefaults logs JSON outside Development) as "level category: message — exception's first line".
    /// </summary>
    public static string Readable(string line)
    {
        var time = "";
        if (line.Length >= 29 && line[27] == 'Z' && DateTime.TryParse(line[..28], null, System.Globalization.DateTimeStyles.AdjustToUniversal, out var at))
        {
            time = at.ToString("HH:mm:ss ", System.Globalization.CultureInfo.InvariantCulture);
            line = line[29..];
        }
        if (line.StartsWith('{'))
        {
            try
            {
                using var entry = JsonDocument.Parse(line);
                var root = entry.RootElement;
                string Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
                var category = Text("Category");
                var exception = Text("Exception").Split('\n', 2)[0].Trim();
                line = $"{Text("LogLevel")} {category[(category.LastIndexOf('.') + 1)..]}: {Text("Message")}{(exception.Length > 0 ? " — " + exception : "")}";
            }
            catch (JsonException) { } // not an entry after all: shown as written
        }
        line = time + line;
        return line.Length <= MaxLineLength ? line : line[..MaxLineLength] + "…";
    }
}
