using Grpc.Testing;

namespace Mesh.Grpc.Interop.Client.Cases;

/// <summary>empty_unary and large_unary.</summary>
public static class UnaryCases
{
    public static async Task EmptyUnaryAsync(CaseContext ctx)
    {
        var response = await ctx.Client.EmptyCallAsync(new Empty());
        Check.That(response is not null, "EmptyCall returned no response");
    }

    public static async Task LargeUnaryAsync(CaseContext ctx)
    {
        var response = await ctx.Client.UnaryCallAsync(CaseContext.LargeUnaryRequest());
        Check.Payload(response.Payload, 314159, "UnaryCall");
    }
}
