using Mesh.Support.Tests.Support;
using Mesh.Support.V1;

namespace Mesh.Support.Tests;

/// <summary>The queues page with stable tokens, filtered.</summary>
public sealed class QueueTests(SupportFixture fixture) : IClassFixture<SupportFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Queues_page_with_tokens_and_filters()
    {
        var agent = fixture.Agent();
        var customer = fixture.Customer();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add((await TicketSteps.OpenAsync(fixture, customer, category: "account")).Id);

        var seen = new List<string>();
        var token = "";
        do
        {
            var page = await fixture.Client.ListTicketsAsync(new ListTicketsRequest { Category = "account", PageSize = 2, PageToken = token }, agent.Bearer, cancellationToken: Ct);
            Assert.True(page.Tickets.Count <= 2);
            seen.AddRange(page.Tickets.Select(t => t.Id));
            token = page.NextPageToken;
        } while (token.Length > 0);
        Assert.Equal(ids, seen);

        // The customer's own list: newest first.
        var own = await fixture.Client.ListTicketsAsync(new ListTicketsRequest { PageSize = 3 }, customer.Bearer, cancellationToken: Ct);
        Assert.Equal(ids.AsEnumerable().Reverse().Take(3), own.Tickets.Select(t => t.Id));

        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ListTicketsAsync(new ListTicketsRequest { PageToken = "garbage!" }, agent.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(["page_token"], TicketSteps.Fields(e));
    }
}
