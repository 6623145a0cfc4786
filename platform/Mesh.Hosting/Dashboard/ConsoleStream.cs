using System.Globalization;
using System.Text;
using Mesh.Hosting.Dashboard.Storage;
using Microsoft.AspNetCore.Http;

namespace Mesh.Hosting.Dashboard;

/// <summary>
/// Follows one resource's console as Server-Sent Events: every kept line after the client's position, then each new
/// line the moment it is written (no polling interval). The event id is the line's sequence number, so the browser's
/// automatic reconnect (Last-Event-ID) resumes exactly where it left off.
/// </summary>
internal static class ConsoleStream
{
    /// <summary>A comment this often keeps proxies from closing an idle stream and notices a client that has gone.</summary>
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static async Task FollowAsync(HttpContext http, BoundedLog<ConsoleLine> log, long? after, CancellationToken stopping)
    {
        var position = after ?? (long.TryParse(http.Request.Headers["Last-Event-ID"], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0);
        // A position past this log's end comes from an earlier app host (the tab reconnected to a restarted one, whose
        // numbering starts again at 1): follow this log from its start instead of waiting for it to catch up.
        if (position > log.LastSeq) position = 0;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        var ct = cts.Token;
        http.Response.ContentType = "text/event-stream; charset=utf-8";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            await http.Response.WriteAsync(": following\n\n", ct);
            await http.Response.Body.FlushAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                var lines = log.After(position);
                if (lines.Count > 0)
                {
                    var sb = new StringBuilder();
                    foreach (var (seq, line) in lines)
                    {
                        sb.Append("id: ").Append(seq.ToString(CultureInfo.InvariantCulture)).Append('\n');
                        // A data field ends at a line break: split, the browser joins them back with '\n'.
                        foreach (var part in line.Text.Split('\n')) sb.Append("data: ").Append(part.TrimEnd('\r')).Append('\n');
                        sb.Append('\n');
                    }
                    position = lines[^1].Seq;
                    await http.Response.WriteAsync(sb.ToString(), ct);
                    await http.Response.Body.FlushAsync(ct);
                }
                try
                {
                    await log.WaitForNewerAsync(position, ct).WaitAsync(Heartbeat, ct);
                }
                catch (TimeoutException)
                {
                    await http.Response.WriteAsync(": ping\n\n", ct);
                    await http.Response.Body.FlushAsync(ct);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The page closed or the host is stopping: the stream just ends.
        }
    }
}
