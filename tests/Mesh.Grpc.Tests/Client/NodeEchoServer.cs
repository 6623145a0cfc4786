using System.Diagnostics;

namespace Mesh.Grpc.Tests.Client;

/// <summary>Runs tests/node/echo-server.js (@grpc/grpc-js) as a child process on a free loopback port.</summary>
internal sealed class NodeEchoServer : IAsyncDisposable
{
    private readonly Process _process;

    private NodeEchoServer(Process process, int port)
    {
        _process = process;
        Address = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri Address { get; }

    public static async Task<NodeEchoServer> StartAsync(params string[] arguments)
    {
        var script = Path.Combine(RepoPaths.NodeDirectory, "echo-server.js");
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.WorkingDirectory = RepoPaths.NodeDirectory;
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                       ?? throw new InvalidOperationException("echo-server.js exited before listening");
            if (line.StartsWith("listening on ", StringComparison.Ordinal))
                return new NodeEchoServer(process, int.Parse(line["listening on ".Length..], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}

internal static class RepoPaths
{
    /// <summary>tests/node, found by walking up from the test binaries.</summary>
    public static string NodeDirectory
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("MESH_ROOT");
            if (root is not null && File.Exists(Path.Combine(root, "tests", "node", "echo-server.js"))) return Path.Combine(root, "tests", "node");
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "node");
                if (File.Exists(Path.Combine(candidate, "echo-server.js"))) return candidate;
            }
            throw new DirectoryNotFoundException("tests/node/echo-server.js not found above " + AppContext.BaseDirectory);
        }
    }
}
