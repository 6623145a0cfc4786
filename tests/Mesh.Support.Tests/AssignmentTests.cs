using Mesh.Support.Tests.Support;
using Mesh.Support.V1;

namespace Mesh.Support.Tests;

/// <summary>Tickets go to the least loaded agent, or to the agent named (its own database: the agents here are all there are).</summary>
public sealed class AssignmentTests(SupportFixture fixture) : IClassFixture<SupportFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Automatic_assignment_picks_the_least_loaded_agent()
    {
        var busy = fixture.Agent();
        var idle = fixture.Agent();
        var first = await TicketSteps.OpenAssignedAsync(fixture, fixture.Customer(), busy);
        await TicketSteps.OpenAssignedAsync(fixture, fixture.Customer(), busy);
        await fixture.Client.ListTicketsAsync(new ListTicketsRequest(), idle.Bearer, cancellationToken: Ct); // idle becomes known

        var ticket = await TicketSteps.OpenAsync(fixture, fixture.Customer());
        var assigned = await fixture.Client.AssignTicketAsync(new AssignTicketRequest { Id = ticket.Id }, busy.Bearer, cancellationToken: Ct);
        Assert.Equal(idle.Id.ToString(), assigned.AssigneeId);

        var mine = await fixture.Client.ListTicketsAsync(new ListTicketsRequest { Assignee = "me" }, busy.Bearer, cancellationToken: Ct);
        Assert.Equal(2, mine.Tickets.Count);
        Assert.Equal(first.Id, mine.Tickets[0].Id); // the queue: oldest first

        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.AssignTicketAsync(
            new AssignTicketRequest { Id = ticket.Id, AgentId = Guid.NewGuid().ToString() }, busy.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "UNKNOWN_AGENT"), (e.StatusCode, TicketSteps.Reason(e)));
    }
}
