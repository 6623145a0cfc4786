using Grpc.Testing;

namespace Mesh.Grpc.Interop.Client.Cases;

/// <summary>cancel_after_begin, cancel_after_first_response and timeout_on_sleeping_server.</summary>
public static class CancellationCases
{
    public static async Task CancelAfterBeginAsync(CaseContext ctx)
    {
        using var cts = new CancellationTokenSource();
        using var call = ctx.Client.StreamingInputCall(cancellationToken: cts.Token);
        cts.Cancel();
        var status = await Check.FailsAsync(() => call.ResponseAsync, "StreamingInputCall cancelled after begin");
        Check.Code(status, StatusCode.Cancelled, "StreamingInputCall cancelled after begin");
    }

    public static async Task CancelAfterFirstResponseAsync(CaseContext ctx)
    {
        using var cts = new CancellationTokenSource();
        using var call = ctx.Client.FullDuplexCall(cancellationToken: cts.Token);
        var request = new StreamingOutputCallRequest { ResponseType = PayloadType.Compressable, Payload = CaseContext.Zeros(27182) };
        request.ResponseParameters.Add(new ResponseParameters { Size = 31415 });
        await call.RequestStream.WriteAsync(request);
        Check.That(await call.ResponseStream.MoveNext(ctx.CaseTimeout), "the stream ended before the first response");
        Check.Payload(call.ResponseStream.Current.Payload, 31415, "first response");

        cts.Cancel();
        var status = await Check.FailsAsync(() => call.ResponseStream.MoveNext(ctx.CaseTimeout), "FullDuplexCall cancelled after the first response");
        Check.Code(status, StatusCode.Cancelled, "FullDuplexCall cancelled after the first response");
    }

    public static async Task TimeoutOnSleepingServerAsync(CaseContext ctx)
    {
        using var call = ctx.Client.FullDuplexCall(deadline: DateTime.UtcNow.AddMilliseconds(1));
        try
        {
            await call.RequestStream.WriteAsync(new StreamingOutputCallRequest { Payload = CaseContext.Zeros(27182) });
        }
        catch (RpcException ex)
        {
            // The deadline may pass before the write: then the write itself reports it.
            Check.Code(ex.Status, StatusCode.DeadlineExceeded, "FullDuplexCall write with a 1 ms deadline");
            return;
        }
        var status = await Check.FailsAsync(() => call.ResponseStream.MoveNext(ctx.CaseTimeout), "FullDuplexCall with a 1 ms deadline");
        Check.Code(status, StatusCode.DeadlineExceeded, "FullDuplexCall with a 1 ms deadline");
    }
}
