using Mesh.Grpc.Interop.Client.Cases;

namespace Mesh.Grpc.Interop.Client;

/// <summary>
/// <c>client --server_host H --server_port P --test_case NAME</c>: runs one case of interop-test-descriptions.md
/// with Mesh.Grpc's client. Exit 0 = pass, 1 = fail (the reason on stderr), 2 = bad command line.
/// </summary>
public static class InteropClient
{
    public static readonly string[] KnownFlags =
    [
        "server_host", "server_port", "test_case", "use_tls", "use_test_ca", "server_host_override",
        "default_service_account", "oauth_scope", "service_account_key_file",
    ];

    private static readonly IReadOnlyDictionary<string, Func<CaseContext, Task>> Cases = new Dictionary<string, Func<CaseContext, Task>>
    {
        ["empty_unary"] = UnaryCases.EmptyUnaryAsync,
        ["large_unary"] = UnaryCases.LargeUnaryAsync,
        ["client_streaming"] = StreamingCases.ClientStreamingAsync,
        ["server_streaming"] = StreamingCases.ServerStreamingAsync,
        ["ping_pong"] = StreamingCases.PingPongAsync,
        ["empty_stream"] = StreamingCases.EmptyStreamAsync,
        ["cancel_after_begin"] = CancellationCases.CancelAfterBeginAsync,
        ["cancel_after_first_response"] = CancellationCases.CancelAfterFirstResponseAsync,
        ["timeout_on_sleeping_server"] = CancellationCases.TimeoutOnSleepingServerAsync,
        ["custom_metadata"] = MetadataCases.CustomMetadataAsync,
        ["status_code_and_message"] = StatusCases.StatusCodeAndMessageAsync,
        ["special_status_message"] = StatusCases.SpecialStatusMessageAsync,
        ["unimplemented_method"] = StatusCases.UnimplementedMethodAsync,
        ["unimplemented_service"] = StatusCases.UnimplementedServiceAsync,
        ["client_compressed_unary"] = CompressionCases.ClientCompressedUnaryAsync,
        ["server_compressed_unary"] = CompressionCases.ServerCompressedUnaryAsync,
        ["client_compressed_streaming"] = CompressionCases.ClientCompressedStreamingAsync,
        ["server_compressed_streaming"] = CompressionCases.ServerCompressedStreamingAsync,
    };

    public static IEnumerable<string> CaseNames => Cases.Keys;

    public static async Task<int> RunAsync(CommandLine flags)
    {
        if (flags.GetBool("use_tls", fallback: false))
            throw new UsageException("--use_tls true is not supported: this harness speaks h2c (plaintext HTTP/2) only");
        flags.GetBool("use_test_ca", fallback: false);
        var host = flags.Get("server_host") ?? "localhost";
        var port = flags.GetPort("server_port", allowZero: false);
        var name = flags.GetRequired("test_case");
        if (!Cases.TryGetValue(name, out var run))
            throw new UsageException($"unknown test case '{name}' (known: {string.Join(", ", Cases.Keys)})");

        var address = new UriBuilder("http", host.Contains(':') ? $"[{host}]" : host, port).Uri;
        using var context = new CaseContext(address, flags.Get("server_host_override"));
        try
        {
            await run(context).WaitAsync(context.CaseTimeout);
            Console.WriteLine($"{name}: PASS");
            return 0;
        }
        catch (CaseFailedException ex)
        {
            Console.Error.WriteLine($"{name}: FAIL: {ex.Message}");
        }
        catch (RpcException ex)
        {
            Console.Error.WriteLine($"{name}: FAIL: a call failed unexpectedly with {Check.Describe(ex.Status)}\n{ex}");
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine($"{name}: FAIL: the case did not finish within its guard time");
        }
        catch (OperationCanceledException) when (context.CaseTimeout.IsCancellationRequested)
        {
            Console.Error.WriteLine($"{name}: FAIL: the case did not finish within its guard time");
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"{name}: FAIL: unexpected {ex}");
        }
        return 1;
    }
}
