using Google.Rpc;

namespace Mesh.Ads.Tests.Support;

public static class Errors
{
    public static string? Reason(RpcException e) => e.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason;

    public static IEnumerable<string> Fields(RpcException e) =>
        e.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field) ?? [];
}
