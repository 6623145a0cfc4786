using Mesh.Support.Sla;
using Mesh.Support.Tests.Support;
using Mesh.Support.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Support.Tests;

/// <summary>
/// First-response and resolution deadlines come from configuration by category and priority; a breach is raised at
/// its deadline (the injected clock), exactly once, even with the SLA rounds of two replicas racing.
/// </summary>
public sealed class SlaTests(SupportFixture fixture) : IClassFixture<SupportFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<IReadOnlyList<SlaBreaches.Breach>> RaceAsync()
    {
        var rounds = await Task.WhenAll(
            fixture.A.Services.GetRequiredService<SlaBreaches>().RaiseDueAsync(Ct),
            fixture.B.Services.GetRequiredService<SlaBreaches>().RaiseDueAsync(Ct));
        return rounds.SelectMany(r => r).ToList();
    }

    [Fact]
    public async Task A_breach_is_raised_once_at_its_deadline_by_two_racing_replicas()
    {
        await RaceAsync(); // whatever other tests of this class left due
        var customer = fixture.Customer();
        var ticket = await TicketSteps.OpenAsync(fixture, customer, category: "payment"); // payment → high: 2 h / 1 day
        Assert.Equal(TicketPriority.High, ticket.Priority);
        var created = ticket.CreateTime.ToDateTimeOffset();
        Assert.Equal(created + TimeSpan.FromHours(2), ticket.FirstResponseDeadline.ToDateTimeOffset());
        Assert.Equal(created + TimeSpan.FromDays(1), ticket.ResolutionDeadline.ToDateTimeOffset());
        var ticketId = Guid.Parse(ticket.Id);

        fixture.Clock.AdvanceTo(ticket.FirstResponseDeadline.ToDateTimeOffset() - TimeSpan.FromMilliseconds(1));
        Assert.DoesNotContain(await RaceAsync(), b => b.TicketId == ticketId);

        fixture.Clock.AdvanceTo(ticket.FirstResponseDeadline.ToDateTimeOffset());
        var raised = (await RaceAsync()).Where(b => b.TicketId == ticketId).ToList();
        Assert.Equal(["first_response"], raised.Select(b => b.Kind));
        Assert.DoesNotContain(await RaceAsync(), b => b.TicketId == ticketId);

        // The agent's late answer does not undo it; the resolution deadline is raised on its own, once.
        var agent = fixture.Agent();
        await fixture.Client.PostMessageAsync(new PostMessageRequest { TicketId = ticket.Id, Body = "Sorry for the wait." }, agent.Bearer, cancellationToken: Ct);
        fixture.Clock.AdvanceTo(ticket.ResolutionDeadline.ToDateTimeOffset());
        Assert.Equal(["resolution"], (await RaceAsync()).Where(b => b.TicketId == ticketId).Select(b => b.Kind));
        Assert.DoesNotContain(await RaceAsync(), b => b.TicketId == ticketId);

        Assert.Equal(2, await fixture.CountAsync("SELECT count(*) FROM sla_breaches WHERE ticket_id = @ticketId", new { ticketId }));
        Assert.Equal(2, await fixture.CountAsync("SELECT count(*) FROM mesh_outbox WHERE type = 'support.sla_breached' AND convert_from(body, 'UTF8')::jsonb ->> 'TicketId' = @id", new { id = ticket.Id }));
        Assert.Equal(["first_response", "resolution"], (await fixture.Client.GetTicketAsync(new GetTicketRequest { Id = ticket.Id }, agent.Bearer, cancellationToken: Ct)).BreachedSlas);
        Assert.Empty((await fixture.Client.GetTicketAsync(new GetTicketRequest { Id = ticket.Id }, customer.Bearer, cancellationToken: Ct)).BreachedSlas);
    }

    [Fact]
    public async Task A_deadline_met_in_time_is_never_breached()
    {
        await RaceAsync();
        var customer = fixture.Customer();
        var agent = fixture.Agent();
        var ticket = await TicketSteps.OpenAsync(fixture, customer); // booking → normal: 8 h / 3 days
        Assert.Equal(TicketPriority.Normal, ticket.Priority);
        await fixture.Client.PostMessageAsync(new PostMessageRequest { TicketId = ticket.Id, Body = "On it." }, agent.Bearer, cancellationToken: Ct);
        await fixture.Client.ResolveTicketAsync(new ResolveTicketRequest { Id = ticket.Id }, agent.Bearer, cancellationToken: Ct);

        fixture.Clock.AdvanceTo(ticket.ResolutionDeadline.ToDateTimeOffset() + TimeSpan.FromHours(1));
        Assert.DoesNotContain(await RaceAsync(), b => b.TicketId == Guid.Parse(ticket.Id));
    }

    [Fact]
    public async Task Urgent_priority_moves_the_deadlines()
    {
        var customer = fixture.Customer();
        var agent = fixture.Agent();
        var ticket = await TicketSteps.OpenAsync(fixture, customer);
        var urgent = await fixture.Client.SetTicketPriorityAsync(new SetTicketPriorityRequest { Id = ticket.Id, Priority = TicketPriority.Urgent }, agent.Bearer, cancellationToken: Ct);
        Assert.Equal(ticket.CreateTime.ToDateTimeOffset() + TimeSpan.FromMinutes(30), urgent.FirstResponseDeadline.ToDateTimeOffset());
        Assert.Equal(ticket.CreateTime.ToDateTimeOffset() + TimeSpan.FromHours(8), urgent.ResolutionDeadline.ToDateTimeOffset());
    }
}
