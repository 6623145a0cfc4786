using Google.Protobuf.Reflection;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;
using Grpc.Net.ClientFactory;
using Mesh.ServiceDefaults.Clients;
using Mesh.ServiceDefaults.Tests.Proto;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using IdempotencyLevel = Google.Protobuf.Reflection.MethodOptions.Types.IdempotencyLevel;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>
/// Which methods are retried is read from the contracts, never listed by hand: every method of every contract of the
/// mesh (and of the probe contract) gets exactly the retry policy its <c>idempotency_level</c> implies — in the
/// ServiceConfig <see cref="RetryServiceConfig"/> builds and in the channel options of the client
/// <c>AddServiceClient</c> registers.
/// </summary>
public sealed class RetryPolicyTests
{
    private static readonly Dictionary<string, ServiceDescriptor> Contracts = new()
    {
        ["users"] = Mesh.Users.V1.Users.Descriptor,
        ["catalog"] = Mesh.Catalog.V1.Catalog.Descriptor,
        ["payment"] = Mesh.Payment.V1.Payments.Descriptor,
        ["booking"] = Mesh.Booking.V1.Booking.Descriptor,
        ["probe"] = Probe.Descriptor,
    };

    public static TheoryData<string> ContractNames => new(Contracts.Keys);

    /// <summary>
    /// What the proto says, read here on its own: a unary method marked NO_SIDE_EFFECTS or IDEMPOTENT may be sent
    /// again after UNAVAILABLE; a method with no level (it changes something) never; nor a stream, whatever its level
    /// (a stream's messages may already have been acted on).
    /// </summary>
    private static bool ImpliesRetries(MethodDescriptor method)
    {
        if (method.IsClientStreaming || method.IsServerStreaming) return false;
        var level = method.GetOptions()?.IdempotencyLevel ?? IdempotencyLevel.IdempotencyUnknown;
        return level switch
        {
            IdempotencyLevel.NoSideEffects => true,
            IdempotencyLevel.Idempotent => true,
            _ => false,
        };
    }

    [Theory]
    [MemberData(nameof(ContractNames))]
    public void Every_method_gets_the_retry_policy_its_idempotency_level_implies(string contract)
    {
        var service = Contracts[contract];
        var options = new ServiceClientOptions();
        var config = RetryServiceConfig.For(service, options);

        AssertPoliciesFollowTheContract(service, config, options);
    }

    [Fact]
    public void Each_contract_has_methods_that_are_retried_and_methods_that_are_not()
    {
        // Keeps the theory above honest: a contract with only one kind of method would prove little.
        foreach (var (name, service) in Contracts)
        {
            Assert.True(service.Methods.Any(ImpliesRetries), $"{name} has no retried method");
            Assert.True(service.Methods.Any(m => !ImpliesRetries(m) && !m.IsServerStreaming && !m.IsClientStreaming),
                $"{name} has no unary method without retries");
        }
    }

    [Fact]
    public void Retries_can_be_switched_off_and_then_no_method_has_a_policy()
    {
        var config = RetryServiceConfig.For(Probe.Descriptor, new ServiceClientOptions { MaxAttempts = 1 });
        Assert.Empty(config.MethodConfigs);
    }

    [Fact]
    public async Task The_channel_of_each_registered_client_has_the_contracts_retry_policies_and_the_configured_limits()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // Not the defaults, so the test sees that Mesh:Resilience reaches the channel.
            ["Mesh:Resilience:MaxAttempts"] = "4",
            ["Mesh:Resilience:InitialBackoff"] = "00:00:00.250",
            ["Mesh:Resilience:MaxBackoff"] = "00:00:03",
            ["Mesh:Resilience:BackoffMultiplier"] = "3",
            ["Mesh:Resilience:RetryMaxTokens"] = "20",
            ["Mesh:Resilience:RetryTokenRatio"] = "0.2",
        });
        builder.AddServiceDefaults();
        var names = new Dictionary<string, string>
        {
            ["users"] = builder.AddServiceClient<Mesh.Users.V1.Users.UsersClient>("users").Name,
            ["catalog"] = builder.AddServiceClient<Mesh.Catalog.V1.Catalog.CatalogClient>("catalog").Name,
            ["payment"] = builder.AddServiceClient<Mesh.Payment.V1.Payments.PaymentsClient>("payment").Name,
            ["booking"] = builder.AddServiceClient<Mesh.Booking.V1.Booking.BookingClient>("booking").Name,
            ["probe"] = builder.AddServiceClient<Probe.ProbeClient>("probe").Name,
        };
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var factoryOptions = host.Services.GetRequiredService<IOptionsMonitor<GrpcClientFactoryOptions>>();
        var expected = new ServiceClientOptions
        {
            MaxAttempts = 4,
            InitialBackoff = TimeSpan.FromMilliseconds(250),
            MaxBackoff = TimeSpan.FromSeconds(3),
            BackoffMultiplier = 3,
            RetryMaxTokens = 20,
            RetryTokenRatio = 0.2,
        };

        foreach (var (contract, clientName) in names)
        {
            // What the client factory does when it creates the channel of this client.
            var channel = new GrpcChannelOptions();
            foreach (var configure in factoryOptions.Get(clientName).ChannelOptionsActions) configure(channel);

            Assert.NotNull(channel.ServiceConfig);
            AssertPoliciesFollowTheContract(Contracts[contract], channel.ServiceConfig, expected);
        }
        await host.StopAsync(CancellationToken.None);
    }

    private static void AssertPoliciesFollowTheContract(ServiceDescriptor service, ServiceConfig config, ServiceClientOptions options)
    {
        // Every name is one method of this contract: no service-wide entry (an empty method name matches them all).
        var named = config.MethodConfigs.SelectMany(c => c.Names.Select(n => (Name: n, Config: c))).ToList();
        Assert.All(named, n =>
        {
            Assert.Equal(service.FullName, n.Name.Service);
            Assert.False(string.IsNullOrEmpty(n.Name.Method), $"a service-wide method config in {service.FullName}");
            Assert.NotNull(service.FindMethodByName(n.Name.Method));
        });
        Assert.DoesNotContain(config.MethodConfigs, c => c.HedgingPolicy is not null);

        foreach (var method in service.Methods)
        {
            var configs = named.Where(n => n.Name.Method == method.Name).Select(n => n.Config).ToList();
            if (!ImpliesRetries(method))
            {
                Assert.True(configs.Count == 0, $"{service.FullName}/{method.Name} ({Level(method)}) must not be retried but has a method config");
                continue;
            }
            var policy = Assert.Single(configs).RetryPolicy;
            Assert.True(policy is not null, $"{service.FullName}/{method.Name} ({Level(method)}) has no retry policy");
            Assert.Equal(options.MaxAttempts, policy.MaxAttempts);
            Assert.Equal(options.InitialBackoff, policy.InitialBackoff);
            Assert.Equal(options.MaxBackoff, policy.MaxBackoff);
            Assert.Equal(options.BackoffMultiplier, policy.BackoffMultiplier);
            Assert.Equal([StatusCode.Unavailable], policy.RetryableStatusCodes);
        }
        Assert.Equal(service.Methods.Count(ImpliesRetries), named.Count);

        Assert.NotNull(config.RetryThrottling);
        Assert.Equal(options.RetryMaxTokens, config.RetryThrottling.MaxTokens);
        Assert.Equal(options.RetryTokenRatio, config.RetryThrottling.TokenRatio);
    }

    private static string Level(MethodDescriptor method) =>
        (method.IsServerStreaming || method.IsClientStreaming ? "stream, " : "") +
        (method.GetOptions()?.IdempotencyLevel ?? IdempotencyLevel.IdempotencyUnknown);
}
