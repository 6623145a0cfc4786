using Grpc.Testing;

namespace Mesh.Grpc.Interop.Client.Cases;

/// <summary>status_code_and_message, special_status_message, unimplemented_method and unimplemented_service.</summary>
public static class StatusCases
{
    public static async Task StatusCodeAndMessageAsync(CaseContext ctx)
    {
        const string message = "test status message";
        var echo = new EchoStatus { Code = 2, Message = message };

        var unary = await Check.FailsAsync(() => ctx.Client.UnaryCallAsync(new SimpleRequest { ResponseStatus = echo }).ResponseAsync, "UnaryCall");
        CheckStatus("UnaryCall", unary, StatusCode.Unknown, message);

        using var duplex = ctx.Client.FullDuplexCall();
        // The server may end the call as soon as it reads the request, so the half-close can already
        // report the final status; whichever step reports it, it is the call's status.
        var streamed = await Check.FailsAsync(async () =>
        {
            await duplex.RequestStream.WriteAsync(new StreamingOutputCallRequest { ResponseStatus = echo });
            await duplex.RequestStream.CompleteAsync();
            await StreamingCases.ReadAllAsync(duplex.ResponseStream, ctx.CaseTimeout);
        }, "FullDuplexCall");
        CheckStatus("FullDuplexCall", streamed, StatusCode.Unknown, message);
    }

    public static async Task SpecialStatusMessageAsync(CaseContext ctx)
    {
        const string message = "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \U0001F608\t\n";
        var request = new SimpleRequest { ResponseStatus = new EchoStatus { Code = 2, Message = message } };
        var status = await Check.FailsAsync(() => ctx.Client.UnaryCallAsync(request).ResponseAsync, "UnaryCall");
        CheckStatus("UnaryCall", status, StatusCode.Unknown, message);
    }

    public static async Task UnimplementedMethodAsync(CaseContext ctx)
    {
        var status = await Check.FailsAsync(() => ctx.Client.UnimplementedCallAsync(new Empty()).ResponseAsync, "TestService/UnimplementedCall");
        Check.Code(status, StatusCode.Unimplemented, "TestService/UnimplementedCall");
    }

    public static async Task UnimplementedServiceAsync(CaseContext ctx)
    {
        var status = await Check.FailsAsync(() => ctx.UnimplementedClient.UnimplementedCallAsync(new Empty()).ResponseAsync, "UnimplementedService/UnimplementedCall");
        Check.Code(status, StatusCode.Unimplemented, "UnimplementedService/UnimplementedCall");
    }

    private static void CheckStatus(string what, Status status, StatusCode code, string message)
    {
        Check.Code(status, code, what);
        Check.That(status.Detail == message,
            $"{what}: status message is {Quote(status.Detail)}, expected {Quote(message)}");
    }

    private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);
}
