using Mesh.Gateway.Chat;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Mesh.Gateway.Policy;
using StackExchange.Redis;
using SupportClient = Mesh.Support.V1.Support.SupportClient;

// In the hosting namespace, like AddGateway, so Program.cs needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Support chat for browsers: <see cref="SupportChatHub"/> at <see cref="Path"/>, relaying to the support service's
/// gRPC <c>Chat</c> stream (discovered as <c>services__support__grpc__N</c>). With the edge's Redis (the rate limits'
/// connection) the hub uses the SignalR Redis backplane, so messages sent through the hub context reach connections
/// on any edge replica (decision 0011, "Browsers").
/// </summary>
public static class SupportChatExtensions
{
    public const string Path = "/v1/support/chat";

    public static WebApplicationBuilder AddSupportChat(this WebApplicationBuilder builder)
    {
        // No call context to propagate: a hub call is not a gRPC call. Streams have no default deadline (unary only).
        builder.AddServiceClient<SupportClient>("support", propagateCallContext: false);
        builder.Services.AddSingleton<ChatRelays>();
        builder.Services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, HubBearer.Configure);
        var signalR = builder.Services.AddSignalR();
        // The backplane on the edge's Redis (the one the rate limits use), on a connection of its own: pub/sub has
        // its own lifetime and the rate limits' fail-fast settings are not a backplane's. It reconnects if Redis goes.
        var redisName = builder.Configuration.GetSection(RateLimitOptions.SectionName).Get<RateLimitOptions>()?.Redis ?? new RateLimitOptions().Redis;
        if (builder.Configuration.GetConnectionString(redisName) is { Length: > 0 } redis)
            signalR.AddStackExchangeRedis(redis, o =>
            {
                o.Configuration.ChannelPrefix = RedisChannel.Literal("mesh-support-chat");
                o.Configuration.AbortOnConnectFail = false;
            });
        return builder;
    }

    public static WebApplication MapSupportChat(this WebApplication app)
    {
        app.MapHub<SupportChatHub>(Path);
        return app;
    }
}
