using System.Net;
using Mesh.Gateway.Chat;
using Mesh.Support.Tests.Support;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Support.Tests;

/// <summary>
/// Browsers' support chat: the SignalR hub at the edge over the support service's Chat stream. The customer is on
/// one edge replica whose streams reach support replica A, the agent on another (with the Redis backplane) reaching
/// replica B: what one says reaches the other through the support service's LISTEN/NOTIFY.
/// </summary>
public sealed class HubChatTests(SupportFixture fixture) : IClassFixture<SupportFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Customer_and_agent_chat_through_two_edges_and_two_support_replicas()
    {
        var owner = fixture.Customer();
        var agent = fixture.Agent();
        var ticketId = Guid.Parse((await TicketSteps.OpenAssignedAsync(fixture, owner, agent)).Id);
        await using var customer = await HubChat.ConnectAsync(fixture.GatewayAddress, owner);
        await using var staff = await HubChat.ConnectAsync(fixture.GatewayBAddress, agent);
        await customer.JoinAsync(ticketId);
        await staff.JoinAsync(ticketId);

        var sequence = await customer.SendAsync("c1", "My seats are in row D.");
        await staff.WaitForAsync("My seats are in row D.");
        var received = Assert.Single(staff.Messages);
        Assert.Equal((ticketId.ToString(), sequence, owner.Id.ToString(), "customer", "c1"),
            (received.TicketId, received.Sequence, received.AuthorId, received.AuthorRole, received.ClientMessageId));

        await staff.TypingAsync();
        Assert.Equal(agent.Id.ToString(), Assert.IsType<ChatTyping>(await customer.NextSignalAsync()).UserId);
        await staff.ReadAsync(sequence);
        Assert.Equal(new ChatRead(agent.Id.ToString(), sequence), Assert.IsType<ChatRead>(await customer.NextSignalAsync()));

        var reply = await staff.SendAsync("a1", "Moving you to row C.");
        await customer.WaitForAsync("Moving you to row C.");
        Assert.Equal([sequence, reply], customer.Messages.Select(m => m.Sequence));
        Assert.Equal(2, await fixture.CountAsync("SELECT count(*) FROM ticket_messages WHERE ticket_id = @ticketId", new { ticketId }));

        // The same client_message_id again is acknowledged with the stored sequence, not stored twice.
        Assert.Equal(sequence, await customer.SendAsync("c1", "My seats are in row D."));
        Assert.Equal(2, await fixture.CountAsync("SELECT count(*) FROM ticket_messages WHERE ticket_id = @ticketId", new { ticketId }));
    }

    [Fact]
    public async Task A_reconnect_with_after_sequence_misses_nothing_and_repeats_nothing()
    {
        var owner = fixture.Customer();
        var agent = fixture.Agent();
        var ticketId = Guid.Parse((await TicketSteps.OpenAssignedAsync(fixture, owner, agent)).Id);
        await using var staff = await HubChat.ConnectAsync(fixture.GatewayBAddress, agent);
        await staff.JoinAsync(ticketId);

        var first = await HubChat.ConnectAsync(fixture.GatewayAddress, owner);
        await first.JoinAsync(ticketId);
        await staff.SendAsync("a1", "one");
        await staff.SendAsync("a2", "two");
        await first.WaitForAsync("two");
        var lastSeen = first.LastSequence;
        await first.DisposeAsync(); // the browser tab goes away

        await staff.SendAsync("a3", "three");
        await staff.SendAsync("a4", "four");

        await using var second = await HubChat.ConnectAsync(fixture.GatewayAddress, owner);
        await second.JoinAsync(ticketId, lastSeen);
        await staff.SendAsync("a5", "five");
        await second.WaitForAsync("five");
        Assert.Equal(["one", "two"], first.Bodies);
        Assert.Equal(["three", "four", "five"], second.Bodies);
        Assert.True(second.Messages.Zip(second.Messages.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
    }

    [Fact]
    public async Task Without_a_valid_token_the_hub_refuses_the_connection()
    {
        var none = await Assert.ThrowsAnyAsync<Exception>(() => HubChat.ConnectAsync(fixture.GatewayAddress, caller: null));
        Assert.Contains("401", none.ToString());
        var forged = await Assert.ThrowsAnyAsync<Exception>(() => HubChat.ConnectWithQueryTokenAsync(fixture.GatewayAddress, "not-a-token"));
        Assert.Contains("401", forged.ToString());
        Assert.Equal(0, fixture.GatewayServices.GetRequiredService<ChatRelays>().Open);

        // The query token is accepted on the hub's path only: REST still wants the Authorization header.
        var token = fixture.Customer().Token;
        using var http = new HttpClient { BaseAddress = fixture.GatewayAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"/v1/support/tickets?access_token={token}", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_browser_token_in_the_query_joins_its_own_ticket()
    {
        var owner = fixture.Customer();
        var ticketId = Guid.Parse((await TicketSteps.OpenAsync(fixture, owner)).Id);
        await using var chat = await HubChat.ConnectWithQueryTokenAsync(fixture.GatewayAddress, owner.Token);
        await chat.JoinAsync(ticketId);
        var sequence = await chat.SendAsync("b1", "from a browser");
        await chat.WaitForAsync("from a browser");
        Assert.Equal(owner.Id.ToString(), Assert.Single(chat.Messages).AuthorId);
        Assert.True(sequence > 0);
    }

    [Fact]
    public async Task Leaving_or_disconnecting_ends_the_support_stream()
    {
        var owner = fixture.Customer();
        var ticketId = Guid.Parse((await TicketSteps.OpenAsync(fixture, owner)).Id);
        var relays = fixture.GatewayServices.GetRequiredService<ChatRelays>();
        var fanout = fixture.A.Services.GetRequiredService<Mesh.Support.Chat.ChatFanout>();

        await using var chat = await HubChat.ConnectAsync(fixture.GatewayAddress, owner);
        await chat.JoinAsync(ticketId);
        await chat.SendAsync("1", "hello");
        Assert.Equal(1, relays.Open);
        Assert.True(fanout.OpenStreams >= 1);

        await chat.LeaveAsync(); // returns once the relay is gone
        Assert.Equal(0, relays.Open);
        var e = await Assert.ThrowsAsync<HubException>(() => chat.SendUnacknowledgedAsync("2", "after leaving"));
        Assert.Contains("FAILED_PRECONDITION", e.Message);
        await WaitUntilAsync(() => fanout.OpenStreams == 0); // the support service saw its stream end

        await chat.JoinAsync(ticketId, 1);
        Assert.Equal(1, relays.Open);
        await chat.Connection.StopAsync(Ct);
        await WaitUntilAsync(() => relays.Open == 0 && fanout.OpenStreams == 0);
        Assert.Equal(1, await fixture.CountAsync("SELECT count(*) FROM ticket_messages WHERE ticket_id = @ticketId", new { ticketId }));
    }

    [Fact]
    public async Task A_stream_the_support_service_ends_is_announced_and_must_be_joined_again()
    {
        var owner = fixture.Customer();
        var ticketId = Guid.Parse((await TicketSteps.OpenAsync(fixture, owner)).Id);
        await using var chat = await HubChat.ConnectAsync(fixture.GatewayAddress, owner);
        await chat.JoinAsync(ticketId);

        // An oversize message: support ends the stream with INVALID_ARGUMENT, stores nothing, and the browser is told.
        await chat.SendUnacknowledgedAsync("big", new string('x', Mesh.Support.Chat.Conversation.MaxBody + 1));
        var ended = Assert.IsType<ChatEnded>(await chat.NextSignalAsync());
        Assert.Equal((ticketId.ToString(), "INVALID_ARGUMENT"), (ended.TicketId, ended.Code));
        var e = await Assert.ThrowsAsync<HubException>(() => chat.SendUnacknowledgedAsync("2", "still there?"));
        Assert.Contains("FAILED_PRECONDITION", e.Message);
        Assert.Equal(0, await fixture.CountAsync("SELECT count(*) FROM ticket_messages WHERE ticket_id = @ticketId AND client_message_id = 'big'", new { ticketId }));

        await chat.JoinAsync(ticketId, chat.LastSequence);
        await chat.SendAsync("3", "joined again");
        await chat.WaitForAsync("joined again");
    }

    /// <summary>Polls a condition that cleanup on another thread makes true (a 60 s hang guard, not a timing assertion).</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(TimeSpan.FromSeconds(60));
        while (!condition()) await Task.Delay(20, guard.Token);
    }
}
