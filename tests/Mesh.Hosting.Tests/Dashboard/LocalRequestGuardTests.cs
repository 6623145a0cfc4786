using System.Net;

namespace Mesh.Hosting.Tests.Dashboard;

/// <summary>
/// The dashboard answers only requests addressed to this machine, and its actions only from its own pages or from
/// non-browser clients — a web page elsewhere cannot stop a service through the developer's browser.
/// </summary>
public sealed class LocalRequestGuardTests
{
    private static async Task<HttpStatusCode> SendAsync(DashboardTestHost host, HttpMethod method, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, host.Ui(path));
        foreach (var (name, value) in headers)
            if (name == "Host") request.Headers.Host = value;
            else request.Headers.TryAddWithoutValidation(name, value);
        using var response = await host.Http.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    [Fact]
    public async Task Cross_site_and_rebound_requests_are_refused_and_the_dashboards_own_are_not()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await DashboardTestHost.StartAsync(new Mesh.Hosting.Dashboard.DashboardOptions(), ct);
        var port = host.Ui("/").Port;

        Assert.Equal(HttpStatusCode.OK, await SendAsync(host, HttpMethod.Get, "/api/resources"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(host, HttpMethod.Get, "/api/resources", ("Host", $"localhost:{port}")));
        // A DNS-rebinding page reaches loopback under its own name.
        Assert.Equal(HttpStatusCode.MisdirectedRequest, await SendAsync(host, HttpMethod.Get, "/api/resources", ("Host", $"attacker.example:{port}")));

        // A form or fetch from another site: refused before the action runs (an unknown name would be 404).
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(host, HttpMethod.Post, "/api/resources/nothing/stop", ("Origin", "https://attacker.example")));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(host, HttpMethod.Post, "/api/resources/nothing/stop", ("Sec-Fetch-Site", "cross-site")));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(host, HttpMethod.Post, "/api/resources/nothing/stop", ("Origin", $"http://localhost:{port + 1}")));
        // The dashboard's own page, and a client that is not a browser, get to the action.
        Assert.Equal(HttpStatusCode.NotFound, await SendAsync(host, HttpMethod.Post, "/api/resources/nothing/stop", ("Origin", $"http://localhost:{port}"), ("Sec-Fetch-Site", "same-origin")));
        Assert.Equal(HttpStatusCode.NotFound, await SendAsync(host, HttpMethod.Post, "/api/resources/nothing/stop"));
    }
}
