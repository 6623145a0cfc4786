using System.Text.RegularExpressions;
using Xunit;

namespace Mesh.Grpc.Interop.Tests;

/// <summary>
/// One interop server per test class (a class fixture): started as a child process on port 0 (it binds a
/// free port on 127.0.0.1 and says which in its "listening" line), killed when the class is done.
/// </summary>
public abstract partial class InteropServerFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartGuard = TimeSpan.FromSeconds(30);
    private readonly TaskCompletionSource<int> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ChildProcess? _server;

    public int Port { get; private set; }

    protected abstract (string FileName, string[] Arguments) Command(int port);

    /// <summary>The server's output so far (put into failure messages: a client failure may be the server's fault).</summary>
    public string ServerOutput() => _server?.Output() ?? "(server not started)";

    public async ValueTask InitializeAsync()
    {
        var (fileName, arguments) = Command(0);
        _server = ChildProcess.Start(fileName, arguments, RepoPaths.Root, OnServerLine);

        var exited = _server.WaitForExitAsync(Timeout.InfiniteTimeSpan, CancellationToken.None);
        var first = await Task.WhenAny(_listening.Task, exited, Task.Delay(StartGuard));
        if (first == _listening.Task)
        {
            Port = await _listening.Task;
            return;
        }
        var why = first == exited ? $"exited with code {_server.ExitCode}" : $"did not print \"listening\" within {StartGuard.TotalSeconds:0} s";
        throw new InvalidOperationException($"The interop server {why}.\n{_server.Output()}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private void OnServerLine(string line)
    {
        if (!line.Contains("listening", StringComparison.OrdinalIgnoreCase)) return;
        var match = ListeningAddress().Match(line);
        if (match.Success) _listening.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        else _listening.TrySetException(new InvalidOperationException($"No 127.0.0.1:PORT in the listening line: {line}"));
    }

    [GeneratedRegex(@"127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningAddress();
}

/// <summary>Mesh.Grpc's interop server (platform/Mesh.Grpc.Interop).</summary>
public sealed class MeshServerFixture : InteropServerFixture
{
    protected override (string FileName, string[] Arguments) Command(int port) => InteropPeers.MeshServer(port);
}

/// <summary>The @grpc/grpc-js interop server (tests/node/interop-server.js).</summary>
public sealed class NodeServerFixture : InteropServerFixture
{
    protected override (string FileName, string[] Arguments) Command(int port) => InteropPeers.NodeServer(port);
}
