using System.Diagnostics;
using Grpc.Testing;
using Mesh.Grpc.Client;

namespace Mesh.Grpc.Benchmarks.Load;

/// <summary>
/// <c>stream-client --port P</c>: server-streaming throughput with Mesh.Grpc's own client — --streams
/// concurrent StreamingOutputCalls on one channel, each asking for --stream-messages responses of
/// --stream-size bytes, repeated for --seconds (after a 10 s warm-up: the tiered JIT needs it). Prints messages/s.
/// </summary>
public static class StreamingClient
{
    public static async Task<int> RunAsync(LoadOptions options)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{options.Port}");
        var client = new TestService.TestServiceClient(channel);
        var request = new StreamingOutputCallRequest();
        for (var i = 0; i < options.StreamMessages; i++) request.ResponseParameters.Add(new ResponseParameters { Size = options.StreamSize });

        await RunForAsync(client, request, options.Streams, TimeSpan.FromSeconds(10));
        var stopwatch = Stopwatch.StartNew();
        var (messages, calls) = await RunForAsync(client, request, options.Streams, TimeSpan.FromSeconds(options.Seconds));
        var elapsed = stopwatch.Elapsed.TotalSeconds;
        Console.WriteLine($"messages: {messages} in {calls} calls, {elapsed:F2} s, {messages / elapsed:F0} messages/s");
        return 0;
    }

    private static async Task<(long Messages, long Calls)> RunForAsync(TestService.TestServiceClient client,
        StreamingOutputCallRequest request, int streams, TimeSpan duration)
    {
        var end = DateTime.UtcNow + duration;
        long messages = 0, calls = 0;
        var workers = Enumerable.Range(0, streams).Select(async _ =>
        {
            while (DateTime.UtcNow < end)
            {
                using var call = client.StreamingOutputCall(request);
                var count = 0L;
                while (await call.ResponseStream.MoveNext(CancellationToken.None)) count++;
                if (count != request.ResponseParameters.Count)
                    throw new InvalidOperationException($"expected {request.ResponseParameters.Count} responses, got {count}");
                Interlocked.Add(ref messages, count);
                Interlocked.Increment(ref calls);
            }
        });
        await Task.WhenAll(workers);
        return (messages, calls);
    }
}
