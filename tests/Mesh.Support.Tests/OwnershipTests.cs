using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Support.Tests.Support;
using Mesh.Support.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Support.Tests;

/// <summary>
/// A customer sees only their own tickets — over REST through the edge, over gRPC and on the chat stream; another
/// customer's ticket is NOT_FOUND (its existence is not told) and nothing is written; the same through the edge's
/// chat hub for browsers. Staff see all; chat is between the ticket's customer and its assigned agent.
/// </summary>
public sealed class OwnershipTests(SupportFixture fixture) : IClassFixture<SupportFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rest_creates_a_ticket_and_another_customer_cannot_read_or_write_it()
    {
        var owner = fixture.Customer();
        var other = fixture.Customer();
        using var ownerHttp = fixture.Rest(owner);
        using var otherHttp = fixture.Rest(other);
        var bookingId = Guid.NewGuid();

        var created = await ownerHttp.PostAsJsonAsync("/v1/support/tickets",
            new { subject = "Wrong seats", body = "Row C, not row D.", category = "booking", bookingId }, Ct);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var ticket = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement;
        var id = ticket.GetProperty("id").GetString();
        Assert.Equal("OPEN", ticket.GetProperty("status").GetString());
        Assert.Equal(bookingId.ToString(), ticket.GetProperty("bookingId").GetString());

        Assert.Equal(HttpStatusCode.OK, (await ownerHttp.GetAsync($"/v1/support/tickets/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherHttp.GetAsync($"/v1/support/tickets/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherHttp.GetAsync($"/v1/support/tickets/{id}/messages", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherHttp.PostAsJsonAsync($"/v1/support/tickets/{id}/messages", new { body = "mine now" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherHttp.PostAsJsonAsync($"/v1/support/tickets/{id}:resolve", new { }, Ct)).StatusCode);

        var list = JsonDocument.Parse(await otherHttp.GetStringAsync("/v1/support/tickets", Ct)).RootElement;
        Assert.False(list.TryGetProperty("tickets", out var tickets) && tickets.GetArrayLength() > 0);
        Assert.Equal(0, await fixture.CountAsync("SELECT count(*) FROM ticket_messages WHERE ticket_id = @id", new { id = Guid.Parse(id!) }));
        Assert.Equal(HttpStatusCode.Unauthorized, (await new HttpClient { BaseAddress = fixture.GatewayAddress }.GetAsync($"/v1/support/tickets/{id}", Ct)).StatusCode);
    }

    [Fact]
    public async Task Grpc_reads_and_lists_only_the_callers_own_tickets()
    {
        var owner = fixture.Customer();
        var other = fixture.Customer();
        var ticket = await TicketSteps.OpenAsync(fixture, owner);

        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetTicketAsync(new GetTicketRequest { Id = ticket.Id }, other.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ListMessagesAsync(new ListMessagesRequest { TicketId = ticket.Id }, other.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Empty((await fixture.Client.ListTicketsAsync(new ListTicketsRequest(), other.Bearer, cancellationToken: Ct)).Tickets);
        Assert.Equal([ticket.Id], (await fixture.Client.ListTicketsAsync(new ListTicketsRequest(), owner.Bearer, cancellationToken: Ct)).Tickets.Select(t => t.Id));

        // Staff see it (in the queue too), and the queue filters by assignee.
        var agent = fixture.Agent();
        Assert.Equal(ticket.Id, (await fixture.Client.GetTicketAsync(new GetTicketRequest { Id = ticket.Id }, agent.Bearer, cancellationToken: Ct)).Id);
        var unassigned = await fixture.Client.ListTicketsAsync(new ListTicketsRequest { Assignee = "unassigned", PageSize = 100 }, agent.Bearer, cancellationToken: Ct);
        Assert.Contains(unassigned.Tickets, t => t.Id == ticket.Id);
        Assert.DoesNotContain((await fixture.Client.ListTicketsAsync(new ListTicketsRequest { Assignee = "me", PageSize = 100 }, agent.Bearer, cancellationToken: Ct)).Tickets, t => t.Id == ticket.Id);

        // A customer cannot filter the staff queues.
        e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ListTicketsAsync(new ListTicketsRequest { Assignee = "unassigned" }, owner.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(["assignee"], TicketSteps.Fields(e));
    }

    [Fact]
    public async Task Another_customer_cannot_join_the_chat_and_an_agent_must_be_the_assignee()
    {
        var owner = fixture.Customer();
        var other = fixture.Customer();
        var agent = fixture.Agent();
        var otherAgent = fixture.Agent();
        var ticket = await TicketSteps.OpenAssignedAsync(fixture, owner, agent);
        var ticketId = Guid.Parse(ticket.Id);

        await using var intruder = await ChatConnection.OpenAsync(fixture.B.Client, other, ticketId);
        Assert.Equal(StatusCode.NotFound, (await intruder.EndAsync())?.StatusCode);

        await using var wrongAgent = await ChatConnection.OpenAsync(fixture.B.Client, otherAgent, ticketId);
        var denied = await wrongAgent.EndAsync();
        Assert.Equal(StatusCode.PermissionDenied, denied?.StatusCode);
        Assert.Equal("NOT_ASSIGNEE", TicketSteps.Reason(denied!));

        // The owner and the assigned agent may.
        await using var customerChat = await ChatConnection.OpenAsync(fixture.A.Client, owner, ticketId);
        await using var agentChat = await ChatConnection.OpenAsync(fixture.B.Client, agent, ticketId);
        await customerChat.SendAsync("1", "hello");
        await agentChat.WaitForAsync("hello");

        // Typing and read receipts reach the other side (typing is not stored).
        await agentChat.WriteAsync(new ChatEvent { Typing = new ChatEvent.Types.Typing() });
        var typing = await customerChat.NextSignalAsync();
        Assert.Equal(agent.Id.ToString(), typing.Typing.UserId);
        await agentChat.WriteAsync(new ChatEvent { Read = new ReadReceipt { Sequence = 1 } });
        var read = await customerChat.NextSignalAsync();
        Assert.Equal((agent.Id.ToString(), 1L), (read.Read.ReaderId, read.Read.Sequence));
        Assert.Equal(1, await fixture.CountAsync("SELECT count(*) FROM ticket_reads WHERE ticket_id = @ticketId AND reader_id = @id AND sequence = 1", new { ticketId, id = agent.Id }));
    }

    [Fact]
    public async Task Another_customer_cannot_join_through_the_hub_and_nothing_is_joined()
    {
        var owner = fixture.Customer();
        var other = fixture.Customer();
        var agent = fixture.Agent();
        var otherAgent = fixture.Agent();
        var ticketId = Guid.Parse((await TicketSteps.OpenAssignedAsync(fixture, owner, agent)).Id);
        var relays = fixture.GatewayServices.GetRequiredService<Mesh.Gateway.Chat.ChatRelays>();

        await using var intruder = await HubChat.ConnectAsync(fixture.GatewayAddress, other);
        var e = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => intruder.JoinAsync(ticketId));
        Assert.StartsWith("NOT_FOUND", e.Message.Split("HubException: ")[^1]);
        Assert.Equal(0, relays.Open);
        // Nothing joined: sending is refused, nothing is stored, and the owner's messages do not reach the intruder.
        e = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => intruder.SendUnacknowledgedAsync("x1", "mine now"));
        Assert.Contains("FAILED_PRECONDITION", e.Message);

        await using var wrongAgent = await HubChat.ConnectAsync(fixture.GatewayAddress, otherAgent);
        e = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => wrongAgent.JoinAsync(ticketId));
        Assert.Contains("PERMISSION_DENIED (NOT_ASSIGNEE)", e.Message);

        await using var customer = await HubChat.ConnectAsync(fixture.GatewayAddress, owner);
        await customer.JoinAsync(ticketId);
        await customer.SendAsync("1", "only for my agent");
        await customer.WaitForAsync("only for my agent");
        Assert.Empty(intruder.Messages);
        Assert.Equal(1, await fixture.CountAsync("SELECT count(*) FROM ticket_messages WHERE ticket_id = @ticketId", new { ticketId }));
    }

    [Fact]
    public async Task A_chat_stream_that_ends_leaves_no_subscription_behind()
    {
        var owner = fixture.Customer();
        var ticket = await TicketSteps.OpenAsync(fixture, owner);
        var fanout = fixture.B.Services.GetRequiredService<Mesh.Support.Chat.ChatFanout>();
        var chat = await ChatConnection.OpenAsync(fixture.B.Client, owner, Guid.Parse(ticket.Id));
        await chat.SendAsync("1", "hello");
        await chat.WaitForAsync("hello");
        Assert.True(fanout.OpenStreams >= 1);

        await chat.CompleteAsync(); // the client ends its side: the call ends and its subscription goes
        Assert.Null(chat.Failure);
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(TimeSpan.FromSeconds(60)); // a hang guard, not a timing assertion
        while (fanout.OpenStreams > 0) await Task.Delay(20, guard.Token); // earlier tests' streams end as their clients left
        await chat.DisposeAsync();
    }

    [Fact]
    public async Task Internal_notes_reach_staff_only()
    {
        var owner = fixture.Customer();
        var agent = fixture.Agent();
        var ticket = await TicketSteps.OpenAssignedAsync(fixture, owner, agent);
        var ticketId = Guid.Parse(ticket.Id);
        await using var customerChat = await ChatConnection.OpenAsync(fixture.A.Client, owner, ticketId);
        await using var agentChat = await ChatConnection.OpenAsync(fixture.B.Client, agent, ticketId);

        await agentChat.SendAsync("n1", "customer seems confused", isInternal: true);
        await agentChat.SendAsync("p1", "Let me check.");
        await customerChat.WaitForAsync("Let me check.");
        await agentChat.WaitForAsync("Let me check.");

        Assert.Equal(["Let me check."], customerChat.Log.Bodies);
        Assert.Equal(["customer seems confused", "Let me check."], agentChat.Log.Bodies);
        Assert.Equal(["Let me check."], (await fixture.Client.ListMessagesAsync(new ListMessagesRequest { TicketId = ticket.Id }, owner.Bearer, cancellationToken: Ct)).Messages.Select(m => m.Body));
        Assert.Equal(2, (await fixture.Client.ListMessagesAsync(new ListMessagesRequest { TicketId = ticket.Id }, agent.Bearer, cancellationToken: Ct)).Messages.Count);
    }
}
