using Xunit;

namespace Mesh.Grpc.Interop.Tests;

/// <summary>The cases of grpc/doc/interop-test-descriptions.md every pairing must pass.</summary>
public static class InteropCases
{
    public static readonly string[] Names =
    [
        "empty_unary",
        "large_unary",
        "client_streaming",
        "server_streaming",
        "ping_pong",
        "empty_stream",
        "cancel_after_begin",
        "cancel_after_first_response",
        "timeout_on_sleeping_server",
        "custom_metadata",
        "status_code_and_message",
        "special_status_message",
        "unimplemented_method",
        "unimplemented_service",
        "client_compressed_unary",
        "server_compressed_unary",
        "client_compressed_streaming",
        "server_compressed_streaming",
    ];

    public static TheoryData<string> All => new(Names);

    private static readonly TimeSpan ClientGuard = TimeSpan.FromSeconds(60);

    /// <summary>Runs one client process for a case and asserts it exits 0; on failure shows both sides' output.</summary>
    public static async Task RunClientAsync((string FileName, string[] Arguments) command, InteropServerFixture server)
    {
        await using var client = ChildProcess.Start(command.FileName, command.Arguments, RepoPaths.Root);
        var finished = await client.WaitForExitAsync(ClientGuard, TestContext.Current.CancellationToken);
        if (!finished)
            Assert.Fail($"The client did not finish within {ClientGuard.TotalSeconds:0} s (killed).\n{client.Output()}\n{server.ServerOutput()}");
        if (client.ExitCode != 0)
            Assert.Fail($"The client exited with {client.ExitCode}.\n{client.Output()}\n{server.ServerOutput()}");
    }
}
