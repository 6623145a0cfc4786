using System.Net;
using System.Net.Http.Json;
using Mesh.Support.Tests.Support;
using Mesh.Support.V1;

namespace Mesh.Support.Tests;

/// <summary>Bad input gets a precise error naming the field or the rule, and nothing is written.</summary>
public sealed class BadInputTests(SupportFixture fixture) : IClassFixture<SupportFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_ticket_with_bad_fields_is_rejected_field_by_field()
    {
        var customer = fixture.Customer();
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CreateTicketAsync(new CreateTicketRequest
        {
            Subject = new string('s', 201), Body = "", Category = "billing", BookingId = "not-a-uuid",
        }, customer.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(["subject", "body", "category", "booking_id"], TicketSteps.Fields(e));
        Assert.Equal(0, await fixture.CountAsync("SELECT count(*) FROM tickets WHERE customer_id = @id", new { id = customer.Id }));
    }

    [Fact]
    public async Task Oversize_messages_are_rejected_over_rest_and_chat_and_nothing_is_stored()
    {
        var customer = fixture.Customer();
        var agent = fixture.Agent();
        var ticket = await TicketSteps.OpenAssignedAsync(fixture, customer, agent);
        var ticketId = Guid.Parse(ticket.Id);
        var oversize = new string('x', 4001);

        using var http = fixture.Rest(customer);
        var response = await http.PostAsJsonAsync($"/v1/support/tickets/{ticket.Id}/messages", new { body = oversize }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("body must be at most 4000 characters", await response.Content.ReadAsStringAsync(Ct));

        await using var chat = await ChatConnection.OpenAsync(fixture.B.Client, customer, ticketId);
        await chat.SendAsync("big", oversize);
        var ended = await chat.EndAsync();
        Assert.Equal(StatusCode.InvalidArgument, ended?.StatusCode);
        Assert.Equal(["message.body"], TicketSteps.Fields(ended!));

        Assert.Equal(0, await fixture.CountAsync("SELECT count(*) FROM ticket_messages WHERE ticket_id = @ticketId", new { ticketId }));
        Assert.Equal(TicketStatus.Open, (await fixture.Client.GetTicketAsync(new GetTicketRequest { Id = ticket.Id }, customer.Bearer, cancellationToken: Ct)).Status);
    }

    [Fact]
    public async Task A_customer_cannot_post_an_internal_note()
    {
        var customer = fixture.Customer();
        var ticket = await TicketSteps.OpenAsync(fixture, customer);
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.PostMessageAsync(
            new PostMessageRequest { TicketId = ticket.Id, Body = "secret", Internal = true }, customer.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal(0, await fixture.CountAsync("SELECT count(*) FROM ticket_messages WHERE ticket_id = @id", new { id = Guid.Parse(ticket.Id) }));
    }

    [Fact]
    public async Task Chat_must_start_with_a_join_and_messages_need_a_client_id()
    {
        var customer = fixture.Customer();
        var ticket = await TicketSteps.OpenAsync(fixture, customer);

        var call = fixture.A.Client.Chat(customer.Bearer, cancellationToken: Ct);
        await call.RequestStream.WriteAsync(new ChatEvent { Message = new TicketMessage { Body = "hi", ClientMessageId = "1" } }, Ct);
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));
        Assert.Equal(["join"], TicketSteps.Fields(e));

        await using var chat = await ChatConnection.OpenAsync(fixture.A.Client, customer, Guid.Parse(ticket.Id));
        await chat.WriteAsync(new ChatEvent { Message = new TicketMessage { Body = "no id" } });
        Assert.Equal(["message.client_message_id"], TicketSteps.Fields((await chat.EndAsync())!));
        Assert.Equal(0, await fixture.CountAsync("SELECT count(*) FROM ticket_messages WHERE ticket_id = @id", new { id = Guid.Parse(ticket.Id) }));
    }

    [Fact]
    public async Task The_same_client_message_id_is_stored_once()
    {
        var customer = fixture.Customer();
        var ticket = await TicketSteps.OpenAsync(fixture, customer);
        var request = new PostMessageRequest { TicketId = ticket.Id, Body = "retry me", ClientMessageId = "m-1" };
        var first = await fixture.Client.PostMessageAsync(request, customer.Bearer, cancellationToken: Ct);
        var again = await fixture.B.Client.PostMessageAsync(request, customer.Bearer, cancellationToken: Ct);
        Assert.Equal(first, again);
        Assert.Equal(1, await fixture.CountAsync("SELECT count(*) FROM ticket_messages WHERE ticket_id = @id", new { id = Guid.Parse(ticket.Id) }));
    }

    [Fact]
    public async Task Customers_cannot_use_the_back_office_methods()
    {
        var customer = fixture.Customer();
        var ticket = await TicketSteps.OpenAsync(fixture, customer);
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.AssignTicketAsync(new AssignTicketRequest { Id = ticket.Id }, customer.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.SetTicketPriorityAsync(new SetTicketPriorityRequest { Id = ticket.Id, Priority = TicketPriority.Urgent }, customer.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal(TicketPriority.Normal, (await fixture.Client.GetTicketAsync(new GetTicketRequest { Id = ticket.Id }, customer.Bearer, cancellationToken: Ct)).Priority);
    }
}
