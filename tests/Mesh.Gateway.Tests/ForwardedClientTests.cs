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
        foreach (var value in forwardedFor) request.Headers.TryAddWithoutValidation(ForwardedClientMiddleware.Header, value);
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
        request.Headers.TryAddWithoutValidation(ForwardedClientMiddleware.Header, "198.51.100.9");
        var response = await fixture.Client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("127.0.0.1", fixture.Backend.State.LastHeaders["GetShelf:x-forwarded-for"]);
    }
}

/// <summary>The list walk and the configuration, without a server.</summary>
public sealed class TrustedProxiesTests
{
    private static readonly TrustedProxies Proxies = new(["10.0.0.0/8", "192.0.2.1", "fd00::/8"]);

    [Theory]
    [InlineData("198.51.100.9", "198.51.100.9")]
    [InlineData("198.51.100.9, 10.0.0.1, 192.0.2.1", "198.51.100.9")]
    [InlineData("203.0.113.1, 198.51.100.9, 10.0.0.1", "198.51.100.9")]
    [InlineData("10.0.0.2, 10.0.0.1", "10.0.0.2")] // every hop trusted: the leftmost
    [InlineData("2001:db8::1, fd00::7", "2001:db8::1")]
    [InlineData("::ffff:198.51.100.9", "198.51.100.9")]
    [InlineData("198.51.100.9:4711", "198.51.100.9")] // with the client's port, as some proxies write it
    [InlineData("[2001:db8::1]:443, 10.0.0.1", "2001:db8::1")]
    public void Walks_from_the_right_to_the_first_untrusted_address(string header, string expected)
    {
        Assert.Equal(IPAddress.Parse(expected), ForwardedClientMiddleware.ClientFrom([header], Proxies));
    }

    [Theory]
    [InlineData("198.51.100.9, unknown")]
    [InlineData("198.51.100.9, ")]
    public void A_list_with_something_that_is_not_an_address_gives_nothing(string header)
    {
        Assert.Null(ForwardedClientMiddleware.ClientFrom([header], Proxies));
    }

    [Fact]
    public void Matches_addresses_networks_and_ipv4_mapped_ipv6()
    {
        Assert.True(Proxies.Contains(IPAddress.Parse("10.200.0.1")));
        Assert.True(Proxies.Contains(IPAddress.Parse("::ffff:192.0.2.1")));
        Assert.False(Proxies.Contains(IPAddress.Parse("192.0.2.2")));
        Assert.False(new TrustedProxies([]).Contains(IPAddress.Loopback));
    }

    [Fact]
    public void A_bad_entry_in_the_configuration_fails_at_start_up()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new TrustedProxies(["10.0.0.0/99"]));
        Assert.Contains("10.0.0.0/99", error.Message);
        Assert.Throws<InvalidOperationException>(() => new TrustedProxies(["proxy.local"]));
    }
}
