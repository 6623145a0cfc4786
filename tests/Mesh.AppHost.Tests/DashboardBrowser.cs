using System.Diagnostics;
using System.Text.Json;

namespace Mesh.AppHost.Tests;

/// <summary>
/// What the Aspire dashboard shows a person, read in Debian's chromium by tests/node/aspire-dashboard.mjs
/// (playwright-core; `./mesh test` installs tests/node). Each call is one fresh browser looking once.
/// </summary>
public static class DashboardBrowser
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(5);

    /// <summary>The Resources page: every row's name and state, or none and the page's text when no row showed.</summary>
    public static async Task<ResourcesPage> ReadResourcesAsync(Uri dashboard, CancellationToken ct)
    {
        var seen = await RunAsync(["resources", dashboard.ToString()], ct);
        return new([.. seen.GetProperty("resources").EnumerateArray().Select(r => new ResourceRow(r.GetProperty("name").GetString()!, r.GetProperty("state").GetString()!))],
            seen.GetProperty("page").GetString()!);
    }

    /// <summary>
    /// The Traces page filtered to one trace id, its row opened: the detail page's spans in display order, or none and
    /// the page's text when the Traces page does not list the trace (yet).
    /// </summary>
    public static async Task<TracePage> ReadTraceAsync(Uri dashboard, string traceId, CancellationToken ct)
    {
        var seen = await RunAsync(["trace", dashboard.ToString(), traceId], ct);
        return new(seen.GetProperty("found").GetBoolean(),
            [.. seen.GetProperty("spans").EnumerateArray().Select(s => new TraceRow(s.GetProperty("indent").GetDouble(), s.GetProperty("resource").GetString()!, s.GetProperty("name").GetString()!))],
            seen.GetProperty("page").GetString()!);
    }

    private static async Task<JsonElement> RunAsync(string[] args, CancellationToken ct)
    {
        var nodeDirectory = Path.Combine(Path.GetDirectoryName(ManifestTests.AppHostDirectory().TrimEnd(Path.DirectorySeparatorChar))!, "tests", "node");
        Assert.True(File.Exists(Path.Combine(nodeDirectory, "node_modules", "playwright-core", "package.json")),
            $"playwright-core is not installed in {nodeDirectory}: `./mesh test` installs it (or run `npm install` there)");
        var psi = new ProcessStartInfo("node", [Path.Combine(nodeDirectory, "aspire-dashboard.mjs"), .. args])
        {
            WorkingDirectory = nodeDirectory, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var node = Process.Start(psi)!;
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(ct);
        guard.CancelAfter(HangGuard);
        try
        {
            var stdout = node.StandardOutput.ReadToEndAsync(guard.Token);
            var stderr = node.StandardError.ReadToEndAsync(guard.Token);
            await node.WaitForExitAsync(guard.Token);
            Assert.True(node.ExitCode == 0, $"aspire-dashboard.mjs {string.Join(' ', args)} exited {node.ExitCode}: {await stderr}");
            return JsonDocument.Parse(await stdout).RootElement.Clone();
        }
        finally
        {
            // The browser is the script's child: a hung run must not leave chromium behind.
            if (!node.HasExited) node.Kill(entireProcessTree: true);
        }
    }
}

public sealed record ResourceRow(string Name, string State);

public sealed record ResourcesPage(IReadOnlyList<ResourceRow> Rows, string PageText);

/// <summary>One span row of the dashboard's trace detail: its indentation (grows with nesting), resource and name.</summary>
public sealed record TraceRow(double Indent, string Resource, string Name);

public sealed record TracePage(bool Found, IReadOnlyList<TraceRow> Spans, string PageText);
