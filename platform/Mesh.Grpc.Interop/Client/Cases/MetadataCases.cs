using Grpc.Testing;

namespace Mesh.Grpc.Interop.Client.Cases;

/// <summary>custom_metadata: ASCII and binary metadata echoed back as response headers and trailers.</summary>
public static class MetadataCases
{
    private const string EchoInitialKey = "x-grpc-test-echo-initial";
    private const string EchoInitialValue = "test_initial_metadata_value";
    private const string EchoTrailingKey = "x-grpc-test-echo-trailing-bin";
    private static readonly byte[] EchoTrailingValue = [0xab, 0xab, 0xab];

    public static async Task CustomMetadataAsync(CaseContext ctx)
    {
        using (var unary = ctx.Client.UnaryCallAsync(CaseContext.LargeUnaryRequest(), RequestMetadata()))
        {
            var response = await unary.ResponseAsync;
            Check.Payload(response.Payload, 314159, "UnaryCall");
            CheckEcho("UnaryCall", await unary.ResponseHeadersAsync, unary.GetTrailers());
        }

        using var duplex = ctx.Client.FullDuplexCall(RequestMetadata());
        var request = new StreamingOutputCallRequest { ResponseType = PayloadType.Compressable, Payload = CaseContext.Zeros(271828) };
        request.ResponseParameters.Add(new ResponseParameters { Size = 314159 });
        await duplex.RequestStream.WriteAsync(request);
        await duplex.RequestStream.CompleteAsync();
        var responses = await StreamingCases.ReadAllAsync(duplex.ResponseStream, ctx.CaseTimeout);
        Check.That(responses.Count == 1, $"FullDuplexCall: got {responses.Count} responses, expected 1");
        Check.Payload(responses[0].Payload, 314159, "FullDuplexCall");
        CheckEcho("FullDuplexCall", await duplex.ResponseHeadersAsync, duplex.GetTrailers());
    }

    private static Metadata RequestMetadata() => new()
    {
        { EchoInitialKey, EchoInitialValue },
        { EchoTrailingKey, EchoTrailingValue },
    };

    private static void CheckEcho(string what, Metadata headers, Metadata trailers)
    {
        var initial = headers.GetAll(EchoInitialKey).ToList();
        Check.That(initial.Count == 1 && !initial[0].IsBinary && initial[0].Value == EchoInitialValue,
            $"{what}: response header {EchoInitialKey} is [{string.Join(", ", initial)}], expected \"{EchoInitialValue}\"");
        var trailing = trailers.GetAll(EchoTrailingKey).ToList();
        Check.That(trailing.Count == 1 && trailing[0].ValueBytes.AsSpan().SequenceEqual(EchoTrailingValue),
            $"{what}: trailer {EchoTrailingKey} is [{string.Join(", ", trailing.Select(e => Convert.ToHexString(e.ValueBytes)))}], expected ABABAB");
    }
}
