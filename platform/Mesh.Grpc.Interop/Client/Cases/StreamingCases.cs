using Grpc.Testing;

namespace Mesh.Grpc.Interop.Client.Cases;

/// <summary>client_streaming, server_streaming, ping_pong and empty_stream.</summary>
public static class StreamingCases
{
    public static async Task ClientStreamingAsync(CaseContext ctx)
    {
        using var call = ctx.Client.StreamingInputCall();
        foreach (var size in new[] { 27182, 8, 1828, 45904 })
            await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = CaseContext.Zeros(size) });
        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync;
        Check.That(response.AggregatedPayloadSize == 74922,
            $"aggregated_payload_size is {response.AggregatedPayloadSize}, expected 74922");
    }

    public static async Task ServerStreamingAsync(CaseContext ctx)
    {
        int[] sizes = [31415, 9, 2653, 58979];
        var request = new StreamingOutputCallRequest { ResponseType = PayloadType.Compressable };
        foreach (var size in sizes) request.ResponseParameters.Add(new ResponseParameters { Size = size });

        using var call = ctx.Client.StreamingOutputCall(request);
        var responses = await ReadAllAsync(call.ResponseStream, ctx.CaseTimeout);
        Check.That(responses.Count == sizes.Length, $"got {responses.Count} responses, expected {sizes.Length}");
        for (var i = 0; i < sizes.Length; i++) Check.Payload(responses[i].Payload, sizes[i], $"response {i}");
    }

    public static async Task PingPongAsync(CaseContext ctx)
    {
        (int ResponseSize, int RequestSize)[] steps = [(31415, 27182), (9, 8), (2653, 1828), (58979, 45904)];
        using var call = ctx.Client.FullDuplexCall();
        foreach (var (responseSize, requestSize) in steps)
        {
            var request = new StreamingOutputCallRequest { ResponseType = PayloadType.Compressable, Payload = CaseContext.Zeros(requestSize) };
            request.ResponseParameters.Add(new ResponseParameters { Size = responseSize });
            await call.RequestStream.WriteAsync(request);
            Check.That(await call.ResponseStream.MoveNext(ctx.CaseTimeout), $"the stream ended before the response of size {responseSize}");
            Check.Payload(call.ResponseStream.Current.Payload, responseSize, $"response of size {responseSize}");
        }
        await call.RequestStream.CompleteAsync();
        Check.That(!await call.ResponseStream.MoveNext(ctx.CaseTimeout), "got more than four responses");
        Check.Code(call.GetStatus(), StatusCode.OK, "FullDuplexCall");
    }

    public static async Task EmptyStreamAsync(CaseContext ctx)
    {
        using var call = ctx.Client.FullDuplexCall();
        await call.RequestStream.CompleteAsync();
        var responses = await ReadAllAsync(call.ResponseStream, ctx.CaseTimeout);
        Check.That(responses.Count == 0, $"got {responses.Count} responses, expected none");
        Check.Code(call.GetStatus(), StatusCode.OK, "FullDuplexCall");
    }

    public static async Task<List<T>> ReadAllAsync<T>(IAsyncStreamReader<T> stream, CancellationToken cancellationToken)
    {
        var all = new List<T>();
        while (await stream.MoveNext(cancellationToken)) all.Add(stream.Current);
        return all;
    }
}
