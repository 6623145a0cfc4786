using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.SignalR;

namespace Mesh.Gateway.Chat;

/// <summary>
/// The bearer token of a hub connection. Browsers cannot set headers on a WebSocket (or on EventSource), so SignalR
/// sends the token as the <c>access_token</c> query parameter there; JwtBearer reads it from the query on the hub's
/// path only — every other route still takes the Authorization header alone, so tokens do not spread into URLs (and
/// logs) elsewhere. The token is forwarded as-is to the support service, which authorizes on it.
/// </summary>
public static class HubBearer
{
    public const string QueryParameter = "access_token";

    public static void Configure(JwtBearerOptions options)
    {
        options.Events ??= new JwtBearerEvents();
        var earlier = options.Events.OnMessageReceived;
        options.Events.OnMessageReceived = async context =>
        {
            await earlier(context);
            if (context.Token is null && context.Request.Headers.Authorization.Count == 0
                && context.Request.Path.StartsWithSegments(SupportChatExtensions.Path)
                && context.Request.Query[QueryParameter].ToString() is { Length: > 0 } token)
                context.Token = token;
        };
    }

    /// <summary>The token the connection was authenticated with: its Authorization header's, else the query's.</summary>
    public static string Of(HubCallerContext context)
    {
        var request = context.GetHttpContext()?.Request ?? throw new HubException("The connection has no HTTP request.");
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header["Bearer ".Length..].Trim();
        return request.Query[QueryParameter].ToString() is { Length: > 0 } token ? token : throw new HubException("UNAUTHENTICATED: no bearer token.");
    }
}
