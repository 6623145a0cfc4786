using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.SignalR;

namespace Mesh.Gateway.Chat;

/// <summary>
/// The support service's refusals as the hub's errors. Only a <see cref="HubException"/>'s message reaches a SignalR
/// client, so it carries the gRPC code, the reason (ErrorInfo) when there is one, and the service's message:
/// <c>PERMISSION_DENIED (NOT_ASSIGNEE): …</c>, <c>NOT_FOUND: …</c>.
/// </summary>
public static class ChatErrors
{
    public static HubException ToHub(RpcException e)
    {
        var reason = e.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason;
        var code = CodeName(e.StatusCode);
        return new HubException(reason is { Length: > 0 } ? $"{code} ({reason}): {e.Status.Detail}" : $"{code}: {e.Status.Detail}");
    }

    /// <summary>The canonical name (NOT_FOUND) of a gRPC status code.</summary>
    public static string CodeName(Grpc.Core.StatusCode code) =>
        string.Concat(code.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? $"_{c}" : char.ToUpperInvariant(c).ToString()));
}
