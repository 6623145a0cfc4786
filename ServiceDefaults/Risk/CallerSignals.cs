using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Mesh.ServiceDefaults.Risk;

/// <summary>
/// What a call says about the client behind it, for the fraud and bot rules of the analytics service: its IP (the
/// edge's X-Forwarded-For, first hop), its user agent, and the device id an app sends in x-device-id. Empty strings for
/// what the call does not carry. Never the peer's address: inside the mesh that is the calling service (booking's pod
/// for every checkout's charge), and counting it would make all customers one "IP".
/// </summary>
public sealed record CallerSignals(string Ip, string UserAgent, string DeviceId)
{
    public const string DeviceHeader = "x-device-id";

    public static CallerSignals From(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var forwarded = http.Request.Headers["X-Forwarded-For"].ToString();
        var ip = forwarded.Length > 0 ? forwarded.Split(',')[0].Trim() : "";
        return new CallerSignals(Cap(ip), Cap(http.Request.Headers.UserAgent.ToString()), Cap(http.Request.Headers[DeviceHeader].ToString()));
    }

    private static string Cap(string value) => value.Length <= 200 ? value : value[..200];
}
