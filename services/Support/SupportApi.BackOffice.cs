using Mesh.Support.BackOffice;
using Mesh.Support.Tickets;
using Mesh.Support.V1;

namespace Mesh.Support;

// The back office: an agent's view of the ticket's customer, and refunds, through booking and payment.
public sealed partial class SupportApi
{
    private const int MaxRefundReason = 200;

    public override async Task<CustomerSummary> GetCustomerSummary(GetCustomerSummaryRequest request, ServerCallContext context)
    {
        var (ticket, authorization) = await StaffTicketAsync(context, request.TicketId);
        return await Accounts(context).SummaryAsync(ticket.CustomerId, authorization, context.CancellationToken);
    }

    public override async Task<RefundPaymentResponse> RefundPayment(RefundPaymentRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        var paymentId = violations.Uuid("payment_id", request.PaymentId);
        violations
            .Check("amount", request.Amount < 0 ? "must not be negative (0: everything still refundable)" : null)
            .MaxLength("reason", request.Reason, MaxRefundReason);
        violations.ThrowIfAny();
        var (ticket, authorization) = await StaffTicketAsync(context, request.TicketId);
        if (ticket.Status == TicketStatuses.Closed) throw SupportErrors.Closed(ticket);
        var accounts = Accounts(context);
        if (ticket.PaymentId != paymentId && !await accounts.IsCustomersPaymentAsync(ticket.CustomerId, paymentId!.Value, authorization, context.CancellationToken))
            throw new RpcException(new Status(StatusCode.NotFound, "No such payment of this ticket's customer."));

        var refund = await accounts.RefundAsync(paymentId!.Value, request.Amount, request.Reason, authorization, context.RequestHeaders.GetValue("idempotency-key"), context.CancellationToken);
        // The refund is recorded on the ticket for the other agents (once per refund: its id is the note's client id).
        var staff = SupportCaller.From(context);
        await conversation.PostAsync(staff, ticket.Id, $"Refund {refund.Id}: {refund.Amount} {refund.Currency} of payment {refund.PaymentId}. {request.Reason}".Trim(),
            isInternal: true, clientMessageId: $"refund:{refund.Id}", chat: false, context.CancellationToken);
        return new RefundPaymentResponse { RefundId = refund.Id, PaymentId = refund.PaymentId, Amount = refund.Amount, Currency = refund.Currency };
    }

    /// <summary>The ticket for a staff caller, and the caller's authorization header to pass on to booking and payment.</summary>
    private async Task<(TicketRecord Ticket, string Authorization)> StaffTicketAsync(ServerCallContext context, string rawTicketId)
    {
        var caller = SupportCaller.RequireStaff(context);
        await agents.SeenAsync(context, caller);
        var ticketId = FieldViolations.RequireUuid("ticket_id", rawTicketId);
        var ticket = await store.FindAsync(ticketId, context.CancellationToken) ?? throw SupportErrors.TicketNotFound();
        return (ticket, context.RequestHeaders.GetValue("authorization")!);
    }

    private static CustomerAccounts Accounts(ServerCallContext context) =>
        context.GetHttpContext().RequestServices.GetRequiredService<CustomerAccounts>();
}
