using Google.Rpc;

namespace Mesh.Booking.Tests.Support;

public static class Errors
{
    /// <summary>The seat ids a SEATS_TAKEN error names in its ErrorInfo.</summary>
    public static IReadOnlyList<string> TakenSeats(RpcException e)
    {
        var info = e.GetRpcStatus()?.GetDetail<ErrorInfo>();
        Assert.NotNull(info);
        Assert.Equal("SEATS_TAKEN", info.Reason);
        return info.Metadata["seat_ids"].Split(',');
    }

    /// <summary>One metadata entry of the error's ErrorInfo.</summary>
    public static string Metadata(RpcException e, string key)
    {
        var info = e.GetRpcStatus()?.GetDetail<ErrorInfo>();
        Assert.NotNull(info);
        return info.Metadata[key];
    }

    public static string? Reason(RpcException e) => e.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason;

    public static IEnumerable<string> Fields(RpcException e) =>
        e.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field) ?? [];
}
