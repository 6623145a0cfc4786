using Google.Protobuf.Reflection;
using Grpc.Net.Client.Configuration;

namespace Mesh.ServiceDefaults.Clients;

/// <summary>
/// grpc-dotnet's service config for one contract, built from its descriptor: each unary method whose proto says
/// <c>idempotency_level = NO_SIDE_EFFECTS</c> or <c>IDEMPOTENT</c> gets a retry policy (UNAVAILABLE only, exponential
/// back-off), every other method none; retry throttling bounds retries across the channel. Never a hand list.
/// </summary>
public static class RetryServiceConfig
{
    public static ServiceConfig For(ServiceDescriptor service, ServiceClientOptions options)
    {
        var config = new ServiceConfig
        {
            RetryThrottling = new RetryThrottlingPolicy { MaxTokens = options.RetryMaxTokens, TokenRatio = options.RetryTokenRatio },
        };
        if (options.MaxAttempts < 2) return config;
        foreach (var method in service.Methods.Where(IsRetryable))
        {
            var policy = new RetryPolicy
            {
                MaxAttempts = options.MaxAttempts,
                InitialBackoff = options.InitialBackoff,
                MaxBackoff = options.MaxBackoff,
                BackoffMultiplier = options.BackoffMultiplier,
                RetryableStatusCodes = { StatusCode.Unavailable },
            };
            config.MethodConfigs.Add(new MethodConfig
            {
                Names = { new MethodName { Service = service.FullName, Method = method.Name } },
                RetryPolicy = policy,
            });
        }
        return config;
    }

    /// <summary>Safe to send again after UNAVAILABLE: a unary call the contract marks free of side effects or idempotent.</summary>
    public static bool IsRetryable(MethodDescriptor method) =>
        !method.IsClientStreaming && !method.IsServerStreaming &&
        method.GetOptions()?.IdempotencyLevel is MethodOptions.Types.IdempotencyLevel.NoSideEffects or MethodOptions.Types.IdempotencyLevel.Idempotent;
}
