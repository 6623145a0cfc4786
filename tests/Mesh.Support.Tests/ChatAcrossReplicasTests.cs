using Mesh.Support.Tests.Support;
using Mesh.Support.V1;

namespace Mesh.Support.Tests;

/// <summary>
/// Live chat between a customer and an agent connected to DIFFERENT replicas of the support service (one database,
/// LISTEN/NOTIFY as the wake-up): messages cross replicas; a replica that dies mid-chat loses nothing — clients
/// reconnect to the other one after the last sequence they saw and resend what was not acknowledged — and nothing is
/// stored or delivered twice.
/// </summary>
public sealed class ChatAcrossReplicasTests(SupportFixture fixture) : IClassFixture<SupportFixture>
{
    [Fact]
    public async Task Customer_and_agent_on_two_replicas_lose_and_duplicate_nothing_when_one_replica_dies()
    {
        var customer = fixture.Customer();
        var agent = fixture.Agent();
        var ticket = await TicketSteps.OpenAssignedAsync(fixture, customer, agent);
        var ticketId = Guid.Parse(ticket.Id);
        var customerLog = new ChatLog();
        var agentLog = new ChatLog();

        // Customer on A, agent on B.
        var customerChat = await ChatConnection.OpenAsync(fixture.A.Client, customer, ticketId, customerLog);
        var agentChat = await ChatConnection.OpenAsync(fixture.B.Client, agent, ticketId, agentLog);
        for (var i = 1; i <= 5; i++)
        {
            await customerChat.SendAsync($"c{i:00}", $"customer {i}");
            await customerChat.AckAsync($"c{i:00}");
            await agentChat.WaitForAsync($"customer {i}");
            await agentChat.SendAsync($"a{i:00}", $"agent {i}");
            await agentChat.AckAsync($"a{i:00}");
            await customerChat.WaitForAsync($"agent {i}");
        }

        // B (the agent's replica) dies. The customer goes on writing through A meanwhile.
        await fixture.B.StopAsync();
        Assert.NotNull(await agentChat.EndAsync());
        for (var i = 6; i <= 10; i++)
        {
            await customerChat.SendAsync($"c{i:00}", $"customer {i}");
            await customerChat.AckAsync($"c{i:00}");
        }

        // The agent reconnects to A after the last sequence it saw and gets exactly what it missed.
        await using var agentAgain = await ChatConnection.OpenAsync(fixture.A.Client, agent, ticketId, agentLog);
        await agentAgain.WaitForAsync("customer 10");

        // A new B starts; the customer's replica A dies while messages are in flight (not awaiting their acks).
        await fixture.RestartBAsync();
        for (var i = 11; i <= 20; i++) await customerChat.SendAsync($"c{i:00}", $"customer {i}");
        await fixture.A.StopAsync();
        await customerChat.EndAsync();
        await agentAgain.EndAsync();

        // Both reconnect to B; the customer resends whatever was not acknowledged, with the same client ids.
        await using var customerAgain = await ChatConnection.OpenAsync(fixture.B.Client, customer, ticketId, customerLog);
        await using var agentThird = await ChatConnection.OpenAsync(fixture.B.Client, agent, ticketId, agentLog);
        await customerAgain.ResendUnacknowledgedAsync();
        await agentThird.WaitForAsync("customer 20");
        await customerAgain.WaitForAsync("customer 20");
        await agentThird.SendAsync("a99", "agent last");
        await customerAgain.WaitForAsync("agent last");
        await agentThird.WaitForAsync("agent last");   // the agent's own stream echoes it too: the logs below hold both

        var expected = Enumerable.Range(1, 5).SelectMany(i => new[] { $"customer {i}", $"agent {i}" })
            .Concat(Enumerable.Range(6, 15).Select(i => $"customer {i}")).Append("agent last").ToList();
        foreach (var log in new[] { customerLog, agentLog })
        {
            Assert.Equal(expected, log.Bodies);                                              // nothing lost, nothing twice, in order
            var sequences = log.Messages.Select(m => m.Sequence).ToList();
            Assert.Equal(sequences.Order().Distinct(), sequences);                             // strictly increasing
        }
        Assert.Empty(customerLog.Unacknowledged);
        Assert.Equal(expected.Count, await fixture.CountAsync("SELECT count(*) FROM ticket_messages WHERE ticket_id = @ticketId", new { ticketId }));
        Assert.Equal(expected.Count, await fixture.CountAsync("SELECT count(DISTINCT body) FROM ticket_messages WHERE ticket_id = @ticketId", new { ticketId }));
    }
}
