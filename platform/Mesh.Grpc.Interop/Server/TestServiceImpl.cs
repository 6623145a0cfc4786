using Google.Protobuf;
using Grpc.Testing;
using Microsoft.AspNetCore.Http;

namespace Mesh.Grpc.Interop.Server;

/// <summary>
/// grpc.testing.TestService as the "Server" section of gRPC's interop-test-descriptions.md describes it:
/// payloads of zeros of the requested sizes, [Echo Metadata], [Echo Status], [CompressedRequest],
/// [CompressedResponse] and interval_us. UnimplementedCall is left to the generated base (UNIMPLEMENTED).
/// The server runs with gzip response compression on, so every message that is NOT asked to be
/// compressed is written with WriteFlags.NoCompress.
/// </summary>
public sealed class TestServiceImpl(IHttpContextAccessor httpContextAccessor) : TestService.TestServiceBase
{
    private const string EchoInitialKey = "x-grpc-test-echo-initial";
    private const string EchoTrailingKey = "x-grpc-test-echo-trailing-bin";

    private static readonly WriteOptions Compressed = new(WriteFlags.None);
    private static readonly WriteOptions Uncompressed = new(WriteFlags.NoCompress);

    public override Task<Empty> EmptyCall(Empty request, ServerCallContext context)
    {
        context.WriteOptions = Uncompressed;
        return Task.FromResult(new Empty());
    }

    public override async Task<SimpleResponse> UnaryCall(SimpleRequest request, ServerCallContext context)
    {
        await EchoMetadataAsync(context);
        CheckCompression(request.ExpectCompressed, messageIndex: 0);
        ThrowIfStatusRequested(request.ResponseStatus);
        context.WriteOptions = request.ResponseCompressed?.Value == true ? Compressed : Uncompressed;
        return new SimpleResponse { Payload = Zeros(request.ResponseSize) };
    }

    public override Task<SimpleResponse> CacheableUnaryCall(SimpleRequest request, ServerCallContext context)
    {
        context.WriteOptions = Uncompressed;
        var now = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100; // nanoseconds, as the description asks
        var body = ByteString.CopyFromUtf8(now.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Task.FromResult(new SimpleResponse { Payload = new Payload { Body = body } });
    }

    public override async Task StreamingOutputCall(StreamingOutputCallRequest request,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream, ServerCallContext context)
    {
        await EchoMetadataAsync(context);
        await WriteResponsesAsync(request.ResponseParameters, responseStream, context);
        ThrowIfStatusRequested(request.ResponseStatus);
    }

    public override async Task<StreamingInputCallResponse> StreamingInputCall(
        IAsyncStreamReader<StreamingInputCallRequest> requestStream, ServerCallContext context)
    {
        await EchoMetadataAsync(context);
        context.WriteOptions = Uncompressed;
        var total = 0;
        var index = 0;
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            var request = requestStream.Current;
            CheckCompression(request.ExpectCompressed, index++);
            total += request.Payload?.Body.Length ?? 0;
        }
        return new StreamingInputCallResponse { AggregatedPayloadSize = total };
    }

    public override async Task FullDuplexCall(IAsyncStreamReader<StreamingOutputCallRequest> requestStream,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream, ServerCallContext context)
    {
        await EchoMetadataAsync(context);
        // Each request is answered before the next is read, so responses keep the order of requests.
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            var request = requestStream.Current;
            ThrowIfStatusRequested(request.ResponseStatus);
            await WriteResponsesAsync(request.ResponseParameters, responseStream, context);
        }
    }

    public override async Task HalfDuplexCall(IAsyncStreamReader<StreamingOutputCallRequest> requestStream,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream, ServerCallContext context)
    {
        await EchoMetadataAsync(context);
        var requests = new List<StreamingOutputCallRequest>();
        while (await requestStream.MoveNext(context.CancellationToken))
            requests.Add(requestStream.Current);
        foreach (var request in requests)
        {
            ThrowIfStatusRequested(request.ResponseStatus);
            await WriteResponsesAsync(request.ResponseParameters, responseStream, context);
        }
    }

    /// <summary>One response per parameter: sleep interval_us first, then a payload of zeros, compressed if asked.</summary>
    private static async Task WriteResponsesAsync(IEnumerable<ResponseParameters> parameters,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream, ServerCallContext context)
    {
        foreach (var p in parameters)
        {
            if (p.IntervalUs > 0)
                await Task.Delay(TimeSpan.FromMicroseconds(p.IntervalUs), context.CancellationToken);
            responseStream.WriteOptions = p.Compressed?.Value == true ? Compressed : Uncompressed;
            await responseStream.WriteAsync(new StreamingOutputCallResponse { Payload = Zeros(p.Size) });
        }
    }

    /// <summary>[Echo Metadata]: the initial value back as a response header, the -bin value back as a trailer.</summary>
    private static async Task EchoMetadataAsync(ServerCallContext context)
    {
        var trailing = context.RequestHeaders.Get(EchoTrailingKey);
        if (trailing is not null) context.ResponseTrailers.Add(EchoTrailingKey, trailing.ValueBytes);

        var initial = context.RequestHeaders.GetValue(EchoInitialKey);
        if (initial is not null) await context.WriteResponseHeadersAsync(new Metadata { { EchoInitialKey, initial } });
    }

    /// <summary>[Echo Status]: a non-zero code ends the call with that code and message.</summary>
    private static void ThrowIfStatusRequested(EchoStatus? status)
    {
        if (status is not null && status.Code != 0)
            throw new RpcException(new Status((StatusCode)status.Code, status.Message));
    }

    /// <summary>[CompressedRequest]: the message's compressed flag must be what expect_compressed says.</summary>
    private void CheckCompression(BoolValue? expectCompressed, int messageIndex)
    {
        var expected = expectCompressed?.Value == true;
        var flags = httpContextAccessor.HttpContext?.Features.Get<ReceivedMessageFlags>();
        // The probe watches gRPC requests only. Any other protocol reaching a handler here (Connect, e.g.
        // from `buf curl`) arrived uncompressed: our server refuses compressed Connect requests.
        var actual = flags is null
            ? false
            : flags.WasCompressed(messageIndex)
              ?? throw new RpcException(new Status(StatusCode.Internal, $"Request message {messageIndex} was not seen by the frame probe."));
        if (expected && !actual)
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Expected a compressed request message, but it was not compressed."));
        if (!expected && actual)
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Expected an uncompressed request message, but it was compressed."));
    }

    private static Payload Zeros(int size) => new() { Type = PayloadType.Compressable, Body = ByteString.CopyFrom(new byte[size]) };
}
