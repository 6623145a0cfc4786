using Mesh.Support.V1;

namespace Mesh.Support.Tests.Support;

/// <summary>Ticket steps the tests share.</summary>
public static class TicketSteps
{
    public static async Task<Ticket> OpenAsync(SupportFixture fixture, TestCaller customer, string category = "booking") =>
        await fixture.Client.CreateTicketAsync(new CreateTicketRequest { Subject = "Seats", Body = "My seats are wrong.", Category = category },
            customer.Bearer, cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>A ticket of <paramref name="customer"/> assigned by hand to <paramref name="agent"/> (who becomes known to support first).</summary>
    public static async Task<Ticket> OpenAssignedAsync(SupportFixture fixture, TestCaller customer, TestCaller agent)
    {
        var ticket = await OpenAsync(fixture, customer);
        await fixture.Client.ListTicketsAsync(new ListTicketsRequest(), agent.Bearer, cancellationToken: TestContext.Current.CancellationToken);
        return await fixture.Client.AssignTicketAsync(new AssignTicketRequest { Id = ticket.Id, AgentId = agent.Id.ToString() }, agent.Bearer,
            cancellationToken: TestContext.Current.CancellationToken);
    }

    public static string Reason(RpcException e) =>
        e.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason ?? "";

    public static IReadOnlyList<string> Fields(RpcException e) =>
        e.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations.Select(v => v.Field).ToList() ?? [];
}
