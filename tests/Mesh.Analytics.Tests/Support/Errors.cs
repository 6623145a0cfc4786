using Google.Rpc;

namespace Mesh.Analytics.Tests.Support;

public static class Errors
{
    public static IEnumerable<string> Fields(RpcException e) =>
        e.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field) ?? [];
}
