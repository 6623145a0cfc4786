using Grpc.Testing;
using Mesh.Grpc.Wire;

namespace Mesh.Grpc.Interop.Client.Cases;

/// <summary>
/// client_compressed_unary/streaming (the server checks each message's compressed flag against
/// expect_compressed) and server_compressed_unary/streaming (we check the flags of the responses, as
/// seen on the wire by <see cref="ResponseFrameProbe"/>).
/// </summary>
public static class CompressionCases
{
    private static readonly CallOptions Gzip = new CallOptions().WithCompression(MessageCompression.Gzip);

    public static async Task ClientCompressedUnaryAsync(CaseContext ctx)
    {
        // The feature probe: an uncompressed message that claims to be compressed must be refused.
        var probeRequest = CaseContext.LargeUnaryRequest();
        probeRequest.ExpectCompressed = new BoolValue { Value = true };
        var probe = await Check.FailsAsync(() => ctx.Client.UnaryCallAsync(probeRequest).ResponseAsync, "probe (uncompressed, expect_compressed=true)");
        Check.Code(probe, StatusCode.InvalidArgument, "probe (uncompressed, expect_compressed=true)");

        var compressed = CaseContext.LargeUnaryRequest();
        compressed.ExpectCompressed = new BoolValue { Value = true };
        Check.Payload((await ctx.Client.UnaryCallAsync(compressed, Gzip)).Payload, 314159, "compressed UnaryCall");

        var plain = CaseContext.LargeUnaryRequest();
        plain.ExpectCompressed = new BoolValue { Value = false };
        Check.Payload((await ctx.Client.UnaryCallAsync(plain)).Payload, 314159, "uncompressed UnaryCall");
    }

    public static async Task ServerCompressedUnaryAsync(CaseContext ctx)
    {
        foreach (var compressed in new[] { true, false })
        {
            var request = CaseContext.LargeUnaryRequest();
            request.ResponseCompressed = new BoolValue { Value = compressed };
            ctx.Probe.TakeReceivedFlags();
            var response = await ctx.Client.UnaryCallAsync(request);
            var flags = ctx.Probe.TakeReceivedFlags();
            Check.That(flags.Count == 1, $"response_compressed={compressed}: saw {flags.Count} response messages, expected 1");
            Check.That(flags[0] == compressed,
                $"response_compressed={compressed}, but the response's compressed flag was {(flags[0] ? 1 : 0)}");
            Check.Payload(response.Payload, 314159, $"UnaryCall (response_compressed={compressed})");
        }
    }

    public static async Task ClientCompressedStreamingAsync(CaseContext ctx)
    {
        using (var probe = ctx.Client.StreamingInputCall())
        {
            // The server fails the call on the first message, so the half-close may already report it.
            var status = await Check.FailsAsync(async () =>
            {
                await probe.RequestStream.WriteAsync(new StreamingInputCallRequest
                {
                    ExpectCompressed = new BoolValue { Value = true },
                    Payload = CaseContext.Zeros(27182),
                });
                await probe.RequestStream.CompleteAsync();
                await probe.ResponseAsync;
            }, "probe (uncompressed, expect_compressed=true)");
            Check.Code(status, StatusCode.InvalidArgument, "probe (uncompressed, expect_compressed=true)");
        }

        using var call = ctx.Client.StreamingInputCall(Gzip);
        await call.RequestStream.WriteAsync(new StreamingInputCallRequest
        {
            ExpectCompressed = new BoolValue { Value = true },
            Payload = CaseContext.Zeros(27182),
        });
        call.RequestStream.WriteOptions = new WriteOptions(WriteFlags.NoCompress);
        await call.RequestStream.WriteAsync(new StreamingInputCallRequest
        {
            ExpectCompressed = new BoolValue { Value = false },
            Payload = CaseContext.Zeros(45904),
        });
        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync;
        Check.That(response.AggregatedPayloadSize == 73086,
            $"aggregated_payload_size is {response.AggregatedPayloadSize}, expected 73086");
    }

    public static async Task ServerCompressedStreamingAsync(CaseContext ctx)
    {
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.Add(new ResponseParameters { Compressed = new BoolValue { Value = true }, Size = 31415 });
        request.ResponseParameters.Add(new ResponseParameters { Compressed = new BoolValue { Value = false }, Size = 92653 });

        ctx.Probe.TakeReceivedFlags();
        using var call = ctx.Client.StreamingOutputCall(request);
        var responses = await StreamingCases.ReadAllAsync(call.ResponseStream, ctx.CaseTimeout);
        var flags = ctx.Probe.TakeReceivedFlags();
        Check.That(responses.Count == 2, $"got {responses.Count} responses, expected 2");
        Check.That(flags.Count == 2, $"saw {flags.Count} response messages on the wire, expected 2");
        Check.That(flags[0], "the first response (compressed=true) did not have the compressed flag set");
        Check.That(!flags[1], "the second response (compressed=false) had the compressed flag set");
        Check.Payload(responses[0].Payload, 31415, "response 0");
        Check.Payload(responses[1].Payload, 92653, "response 1");
    }
}
