using System.Diagnostics;
using Xunit;

namespace Mesh.Grpc.Tests.Codegen.Fakes;

/// <summary>
/// Runs `buf curl --http2-prior-knowledge …` (npm @bufbuild/buf in tests/node): an independent gRPC/Connect client
/// that learns schemas through server reflection. A 60 s guard kills it if it hangs.
/// </summary>
internal static class BufCurl
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] arguments)
    {
        var buf = Path.Combine(RepositoryPaths.Root, "tests", "node", "node_modules", ".bin", "buf");
        Assert.True(File.Exists(buf), $"{buf} is missing: run `npm install` in tests/node (./mesh test does).");

        var start = new ProcessStartInfo(buf) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "curl", "--http2-prior-knowledge" }.Concat(arguments)) start.ArgumentList.Add(argument);
        start.Environment["BUF_CACHE_DIR"] = Path.Combine(Path.GetTempPath(), "mesh-buf-cache");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var hangGuard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        hangGuard.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(hangGuard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
