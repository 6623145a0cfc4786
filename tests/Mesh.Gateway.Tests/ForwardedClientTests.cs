using System.Net;
using Mesh.Gateway.Policy;
using Mesh.Gateway.Tests.Support;

namespace Mesh.Gateway.Tests;

/// <summary>The loopback test client plays the proxy in front of the edge.</summary>
public sealed class TrustedProxyFixture : GatewayFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Gateway:TrustedProxies:0"] = "127.0.0.1",
        ["Gateway:TrustedProxies:1"] = "10.0.0.0/8",
    };
}

/// <summary>X-Forwarded-For is believed only from configured proxies, read from the right past every trusted hop.</summary>
public sealed class TrustedProxyTests(TrustedProxyFixture fixture) : IClassFixture<TrustedProxyFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> ClientAddressSeenByBackendAsync(params string[] forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/shelves/1");
        foreach (var value in forwardedFor) request.Headers.TryAddWithoutValidation("X-Forwarded-For", value);
        var response = await fixture.Client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return fixture.Backend.State.LastHeaders["GetShelf:x-forwarded-for"];
    }

    [Fact]
    public async Task Client_behind_a_trusted_proxy_is_the_forwarded_address()
    {
        Assert.Equal("198.51.100.9", await ClientAddressSeenByBackendAsync("198.51.100.9"));
    }

    [Fact]
    public async Task Trusted_hops_are_skipped_and_a_spoofed_leftmost_entry_is_not_believed()
    {
        // The client sent "203.0.113.1" itself; 198.51.100.9 is what the outer proxy (10.1.2.3) saw.
        Assert.Equal("198.51.100.9", await ClientAddressSeenByBackendAsync("203.0.113.1, 198.51.100.9, 10.1.2.3"));
        // Several header lines form one list.
        Assert.Equal("198.51.100.9", await ClientAddressSeenByBackendAsync("203.0.113.1", "198.51.100.9, 10.1.2.3"));
    }

    [Fact]
    public async Task A_list_with_a_non_address_is_ignored()
    {
        Assert.Equal("127.0.0.1", await ClientAddressSeenByBackendAsync("198.51.100.9, not-an-ip"));
    }
}

/// <summary>Without Gateway:TrustedProxies nobody's X-Forwarded-For is believed.</summary>
public sealed class UntrustedForwardedForTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Header_is_ignored_when_no_proxy_is_trusted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/shelves/1");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "198.51.100.9");
        var response = await fixture.Client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("127.0.0.1", fixture.Backend.State.LastHeaders["GetShelf:x-forwarded-for"]);
    }
}

/// <summary>Gateway:TrustedProxies becomes the ForwardedHeaders middleware's known networks, and nothing else.</summary>
public sealed class TrustedProxiesTests
{
    [Fact]
    public void Addresses_and_networks_become_known_networks_and_the_framework_defaults_go()
    {
        var options = new Microsoft.AspNetCore.Builder.ForwardedHeadersOptions();
        new TrustedProxies(["10.0.0.0/8", "192.0.2.1", "::ffff:198.51.100.7", "fd00::/8"]).Apply(options);
        Assert.Empty(options.KnownProxies); // the framework trusts loopback by default; the edge trusts only what is configured
        Assert.Null(options.ForwardLimit); // every trusted hop, not just the nearest
        Assert.Equal(Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor, options.ForwardedHeaders);
        Assert.Equal(["10.0.0.0/8", "192.0.2.1/32", "198.51.100.7/32", "fd00::/8"], options.KnownIPNetworks.Select(n => n.ToString()));
    }

    [Fact]
    public void No_entries_means_no_trusted_proxy()
    {
        Assert.True(new TrustedProxies([]).IsEmpty);
    }

    [Fact]
    public void A_bad_entry_in_the_configuration_fails_at_start_up()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new TrustedProxies(["10.0.0.0/99"]));
        Assert.Contains("10.0.0.0/99", error.Message);
        Assert.Throws<InvalidOperationException>(() => new TrustedProxies(["proxy.local"]));
    }
}
