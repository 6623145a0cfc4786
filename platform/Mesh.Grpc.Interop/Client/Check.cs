namespace Mesh.Grpc.Interop.Client;

/// <summary>The assertions the cases make, each failing with a message that names what differed.</summary>
public static class Check
{
    public static void That(bool condition, string message)
    {
        if (!condition) throw new CaseFailedException(message);
    }

    public static void Payload(global::Grpc.Testing.Payload? payload, int size, string what)
    {
        That(payload is not null, $"{what}: the response has no payload");
        That(payload!.Body.Length == size, $"{what}: payload body is {payload.Body.Length} bytes, expected {size}");
        That(payload.Body.Span.IndexOfAnyExcept((byte)0) < 0, $"{what}: payload body is not all zeros");
    }

    /// <summary>Runs a call that must fail, and returns its status.</summary>
    public static async Task<Status> FailsAsync(Func<Task> call, string what)
    {
        try
        {
            await call();
        }
        catch (RpcException ex)
        {
            return ex.Status;
        }
        throw new CaseFailedException($"{what}: the call succeeded, but it should have failed");
    }

    public static void Code(Status status, StatusCode expected, string what) =>
        That(status.StatusCode == expected, $"{what}: expected {expected}, got {Describe(status)}");

    public static string Describe(Status status) => $"{status.StatusCode} \"{status.Detail}\"";
}
