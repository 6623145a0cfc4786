using Mesh.Support.Tests.Support;
using Mesh.Support.V1;

namespace Mesh.Support.Tests;

/// <summary>
/// OPEN → PENDING_AGENT / PENDING_CUSTOMER by replies → RESOLVED → CLOSED; reopen only within 7 days of the
/// resolution (on the test clock); a rejected step writes nothing. Replies and status changes raise
/// notification.requested through the outbox.
/// </summary>
public sealed class LifecycleTests(SupportFixture fixture) : IClassFixture<SupportFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<TicketMessage> Post(TestCaller caller, Ticket ticket, string body, bool isInternal = false) =>
        fixture.Client.PostMessageAsync(new PostMessageRequest { TicketId = ticket.Id, Body = body, Internal = isInternal }, caller.Bearer, cancellationToken: Ct).ResponseAsync;

    private Task<Ticket> Get(TestCaller caller, Ticket ticket) =>
        fixture.Client.GetTicketAsync(new GetTicketRequest { Id = ticket.Id }, caller.Bearer, cancellationToken: Ct).ResponseAsync;

    [Fact]
    public async Task Replies_move_the_status_and_the_ticket_is_resolved_reopened_and_closed()
    {
        var customer = fixture.Customer();
        var agent = fixture.Agent();
        var ticket = await TicketSteps.OpenAssignedAsync(fixture, customer, agent);
        Assert.Equal(TicketStatus.Open, ticket.Status);

        await Post(customer, ticket, "Any news?");
        Assert.Equal(TicketStatus.PendingAgent, (await Get(customer, ticket)).Status);
        await Post(agent, ticket, "internal only", isInternal: true);
        var afterNote = await Get(agent, ticket);
        Assert.Equal(TicketStatus.PendingAgent, afterNote.Status);
        Assert.Null(afterNote.FirstResponseTime); // a note is not a response
        var reply = await Post(agent, ticket, "Fixed your seats.");
        Assert.Equal(3, reply.Sequence);
        var answered = await Get(agent, ticket);
        Assert.Equal(TicketStatus.PendingCustomer, answered.Status);
        Assert.Equal(reply.CreateTime, answered.FirstResponseTime);

        var resolved = await fixture.Client.ResolveTicketAsync(new ResolveTicketRequest { Id = ticket.Id }, customer.Bearer, cancellationToken: Ct);
        Assert.Equal(TicketStatus.Resolved, resolved.Status);
        Assert.Equal(resolved, await fixture.Client.ResolveTicketAsync(new ResolveTicketRequest { Id = ticket.Id }, customer.Bearer, cancellationToken: Ct)); // repeatable

        // A resolved ticket takes no message until it is reopened.
        var e = await Assert.ThrowsAsync<RpcException>(() => Post(customer, ticket, "One more thing"));
        Assert.Equal((StatusCode.FailedPrecondition, "TICKET_RESOLVED"), (e.StatusCode, TicketSteps.Reason(e)));
        fixture.Clock.Advance(TimeSpan.FromDays(6));
        Assert.Equal(TicketStatus.PendingAgent, (await fixture.Client.ReopenTicketAsync(new ReopenTicketRequest { Id = ticket.Id }, customer.Bearer, cancellationToken: Ct)).Status);
        await Post(customer, ticket, "One more thing");

        // Resolved again; past 7 days it cannot be reopened.
        await fixture.Client.ResolveTicketAsync(new ResolveTicketRequest { Id = ticket.Id }, agent.Bearer, cancellationToken: Ct);
        fixture.Clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));
        e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ReopenTicketAsync(new ReopenTicketRequest { Id = ticket.Id }, customer.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "REOPEN_WINDOW_PASSED"), (e.StatusCode, TicketSteps.Reason(e)));
        Assert.Equal(TicketStatus.Resolved, (await Get(customer, ticket)).Status);

        var closed = await fixture.Client.CloseTicketAsync(new CloseTicketRequest { Id = ticket.Id }, customer.Bearer, cancellationToken: Ct);
        Assert.Equal(TicketStatus.Closed, closed.Status);
        Assert.NotNull(closed.CloseTime);
    }

    [Fact]
    public async Task A_closed_ticket_takes_nothing_and_an_open_one_cannot_be_closed()
    {
        var customer = fixture.Customer();
        var agent = fixture.Agent();
        var ticket = await TicketSteps.OpenAssignedAsync(fixture, customer, agent);
        var ticketId = Guid.Parse(ticket.Id);

        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CloseTicketAsync(new CloseTicketRequest { Id = ticket.Id }, customer.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "TICKET_STATE"), (e.StatusCode, TicketSteps.Reason(e)));
        e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ReopenTicketAsync(new ReopenTicketRequest { Id = ticket.Id }, customer.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "TICKET_STATE"), (e.StatusCode, TicketSteps.Reason(e)));

        await fixture.Client.ResolveTicketAsync(new ResolveTicketRequest { Id = ticket.Id }, agent.Bearer, cancellationToken: Ct);
        await fixture.Client.CloseTicketAsync(new CloseTicketRequest { Id = ticket.Id }, agent.Bearer, cancellationToken: Ct);
        var outboxBefore = await fixture.CountAsync("SELECT count(*) FROM mesh_outbox");

        e = await Assert.ThrowsAsync<RpcException>(() => Post(customer, ticket, "Hello?"));
        Assert.Equal((StatusCode.FailedPrecondition, "TICKET_CLOSED"), (e.StatusCode, TicketSteps.Reason(e)));
        e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ReopenTicketAsync(new ReopenTicketRequest { Id = ticket.Id }, customer.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal("TICKET_CLOSED", TicketSteps.Reason(e));

        // Joining the chat of a closed ticket fails before anything is streamed.
        await using var chat = await ChatConnection.OpenAsync(fixture.B.Client, customer, ticketId);
        var ended = await chat.EndAsync();
        Assert.Equal((StatusCode.FailedPrecondition, "TICKET_CLOSED"), (ended?.StatusCode, TicketSteps.Reason(ended!)));

        Assert.Equal(0, await fixture.CountAsync("SELECT count(*) FROM ticket_messages WHERE ticket_id = @ticketId", new { ticketId }));
        Assert.Equal(outboxBefore, await fixture.CountAsync("SELECT count(*) FROM mesh_outbox"));
    }

    [Fact]
    public async Task A_ticket_closed_mid_chat_rejects_the_next_message()
    {
        var customer = fixture.Customer();
        var agent = fixture.Agent();
        var ticket = await TicketSteps.OpenAssignedAsync(fixture, customer, agent);
        await using var chat = await ChatConnection.OpenAsync(fixture.A.Client, customer, Guid.Parse(ticket.Id));
        await chat.SendAsync("1", "first");
        await chat.AckAsync("1");
        await fixture.Client.ResolveTicketAsync(new ResolveTicketRequest { Id = ticket.Id }, agent.Bearer, cancellationToken: Ct);
        await fixture.Client.CloseTicketAsync(new CloseTicketRequest { Id = ticket.Id }, agent.Bearer, cancellationToken: Ct);

        await chat.SendAsync("2", "second");
        var ended = await chat.EndAsync();
        Assert.Equal("TICKET_CLOSED", TicketSteps.Reason(ended!));
        Assert.Equal(1, await fixture.CountAsync("SELECT count(*) FROM ticket_messages WHERE ticket_id = @id", new { id = Guid.Parse(ticket.Id) }));
    }

    [Fact]
    public async Task Replies_and_status_changes_raise_notification_requests_in_the_outbox()
    {
        var customer = fixture.Customer();
        var agent = fixture.Agent();
        var ticket = await TicketSteps.OpenAssignedAsync(fixture, customer, agent);
        await Post(agent, ticket, "How can I help?");   // reply to the customer + status OPEN → PENDING_CUSTOMER
        await Post(customer, ticket, "My seats.");      // reply to the agent + status → PENDING_AGENT
        await Post(agent, ticket, "a note", isInternal: true); // nothing

        var rows = await NotificationsAsync(ticket.Id);
        Assert.Equal(
            [
                (customer.Id, "support_reply"), (customer.Id, "support_ticket_status"),
                (agent.Id, "support_reply"), (customer.Id, "support_ticket_status"),
            ], rows);
    }

    private async Task<List<(Guid, string)>> NotificationsAsync(string ticketId)
    {
        await using var connection = await fixture.Database.OpenConnectionAsync(Ct);
        var bodies = await Dapper.SqlMapper.QueryAsync<byte[]>(connection, "SELECT body FROM mesh_outbox WHERE type = 'notification.requested' ORDER BY seq");
        return bodies.Select(b => System.Text.Json.JsonDocument.Parse(b).RootElement)
            .Where(j => j.GetProperty("Data").GetProperty("ticket_id").GetString() == ticketId)
            .Select(j => (j.GetProperty("UserId").GetGuid(), j.GetProperty("Kind").GetString()!)).ToList();
    }
}
