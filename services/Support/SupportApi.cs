using Mesh.Support.Chat;
using Mesh.Support.Notifications;
using Mesh.Support.Sla;
using Mesh.Support.Tickets;
using Mesh.Support.V1;

namespace Mesh.Support;

/// <summary>
/// The gRPC endpoint: validation (INVALID_ARGUMENT with field violations), the caller from the token (a customer sees
/// only their own tickets: another's is NOT_FOUND; staff see all), proto ⇄ domain. Status rules are in
/// TicketLifecycle, the conversation in Chat/, SQL in TicketStore.
/// </summary>
public sealed partial class SupportApi(TicketStore store, Conversation conversation, ChatFanout fanout, SlaPolicy sla, AgentRegistry agents, SupportOptions options, TimeProvider time)
    : V1.Support.SupportBase
{
    private const int MaxSubject = 200;
    private const int MaxBody = 10000;

    public override async Task<Ticket> CreateTicket(CreateTicketRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context);
        UnknownFields.Reject(request);
        var violations = new FieldViolations()
            .Check("subject", string.IsNullOrWhiteSpace(request.Subject) ? "is required" : request.Subject.Length > MaxSubject ? $"must be at most {MaxSubject} characters" : null)
            .Check("body", string.IsNullOrWhiteSpace(request.Body) ? "is required" : request.Body.Length > MaxBody ? $"must be at most {MaxBody} characters" : null)
            .Check("category", TicketCategories.All.Contains(request.Category) ? null : $"must be one of {string.Join(", ", TicketCategories.All)}");
        var bookingId = OptionalUuid(violations, "booking_id", request.BookingId);
        var paymentId = OptionalUuid(violations, "payment_id", request.PaymentId);
        violations.ThrowIfAny();

        var now = Now();
        var ticket = new TicketRecord
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()), CustomerId = caller.Id, Subject = request.Subject, Body = request.Body, Category = request.Category,
            Priority = sla.DefaultPriority(request.Category), Status = TicketStatuses.Open, BookingId = bookingId, PaymentId = paymentId,
            CreateTime = now, UpdateTime = now,
        };
        sla.Apply(ticket);
        await using var unit = await store.BeginAsync(context.CancellationToken);
        await unit.InsertTicketAsync(ticket);
        await unit.CommitAsync(context.CancellationToken);
        return SupportMapping.ToProto(ticket, caller.IsStaff ? [] : null);
    }

    public override async Task<Ticket> GetTicket(GetTicketRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context);
        var id = FieldViolations.RequireUuid("id", request.Id);
        var ticket = await store.FindAsync(id, context.CancellationToken);
        if (ticket is null || !caller.CanSee(ticket)) throw SupportErrors.TicketNotFound();
        return SupportMapping.ToProto(ticket, caller.IsStaff ? await store.BreachesAsync(id, context.CancellationToken) : null);
    }

    public override async Task<ListTicketsResponse> ListTickets(ListTicketsRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context);
        var violations = new FieldViolations()
            .Check("page_size", request.PageSize is < 0 or > 100 ? "must be between 1 and 100 (0: 20)" : null)
            .Check("category", request.Category.Length == 0 || TicketCategories.All.Contains(request.Category) ? null : $"must be one of {string.Join(", ", TicketCategories.All)}")
            .Check("status", Enum.IsDefined(request.Status) ? null : "is not a ticket status")
            .Check("priority", Enum.IsDefined(request.Priority) ? null : "is not a ticket priority");
        Guid? assignee = null;
        var unassigned = false;
        switch (request.Assignee)
        {
            case "": break;
            case "me": assignee = caller.Id; break;
            case "unassigned": unassigned = true; break;
            default: assignee = violations.Uuid("assignee", request.Assignee) is { } a ? a : null; break;
        }
        if (!caller.IsStaff && request.Assignee.Length > 0) violations.Add("assignee", "is a filter of the staff queues");
        violations.ThrowIfAny();
        var after = PageTokens.Parse(request.PageToken);
        var size = request.PageSize == 0 ? 20 : request.PageSize;
        var filter = new TicketFilter(caller.IsStaff ? null : caller.Id, SupportMapping.Status(request.Status), request.Category.Length == 0 ? null : request.Category,
            SupportMapping.Priority(request.Priority), assignee, unassigned);
        var page = await store.ListAsync(filter, after, size + 1, context.CancellationToken);
        var response = new ListTicketsResponse();
        response.Tickets.AddRange(page.Take(size).Select(t => SupportMapping.ToProto(t)));
        if (page.Count > size) response.NextPageToken = PageTokens.For(page[size - 1].Number);
        return response;
    }

    public override async Task<TicketMessage> PostMessage(PostMessageRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context);
        UnknownFields.Reject(request);
        var violations = new FieldViolations();
        var ticketId = violations.Uuid("ticket_id", request.TicketId);
        violations.ThrowIfAny();
        Conversation.Validate(request.Body, request.ClientMessageId);
        var (message, _) = await conversation.PostAsync(caller, ticketId!.Value, request.Body, request.Internal, request.ClientMessageId, chat: false, context.CancellationToken);
        return SupportMapping.ToProto(message);
    }

    public override async Task<ListMessagesResponse> ListMessages(ListMessagesRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context);
        var violations = new FieldViolations();
        var ticketId = violations.Uuid("ticket_id", request.TicketId);
        violations
            .Check("after_sequence", request.AfterSequence < 0 ? "must not be negative" : null)
            .Check("page_size", request.PageSize is < 0 or > 500 ? "must be between 1 and 500 (0: 100)" : null)
            .ThrowIfAny();
        var ticket = await store.FindAsync(ticketId!.Value, context.CancellationToken);
        if (ticket is null || !caller.CanSee(ticket)) throw SupportErrors.TicketNotFound();
        var response = new ListMessagesResponse();
        var messages = await store.MessagesAfterAsync(ticket.Id, request.AfterSequence, caller.IsStaff, request.PageSize == 0 ? 100 : request.PageSize, context.CancellationToken);
        response.Messages.AddRange(messages.Select(SupportMapping.ToProto));
        response.ReadReceipts.AddRange((await store.ReadReceiptsAsync(ticket.Id, context.CancellationToken))
            .Select(r => new ReadReceipt { ReaderId = r.Reader.ToString(), Sequence = r.Sequence }));
        return response;
    }

    public override Task<Ticket> ResolveTicket(ResolveTicketRequest request, ServerCallContext context) =>
        ChangeAsync(context, request.Id, staffOnly: false, (ticket, _, now) => Task.FromResult(TicketLifecycle.Resolve(ticket, now)));

    public override Task<Ticket> ReopenTicket(ReopenTicketRequest request, ServerCallContext context) =>
        ChangeAsync(context, request.Id, staffOnly: false, (ticket, _, now) => Task.FromResult(TicketLifecycle.Reopen(ticket, now, options.ReopenWindow)));

    public override Task<Ticket> CloseTicket(CloseTicketRequest request, ServerCallContext context) =>
        ChangeAsync(context, request.Id, staffOnly: false, (ticket, _, now) => Task.FromResult(TicketLifecycle.Close(ticket, now)));

    public override async Task<Ticket> AssignTicket(AssignTicketRequest request, ServerCallContext context)
    {
        Guid? agentId = null;
        if (request.AgentId.Length > 0) agentId = FieldViolations.RequireUuid("agent_id", request.AgentId);
        return await ChangeAsync(context, request.Id, staffOnly: true, async (ticket, unit, now) =>
        {
            if (ticket.Status == TicketStatuses.Closed) throw SupportErrors.Closed(ticket);
            var agent = agentId ?? await unit.LeastLoadedAgentAsync() ?? throw SupportErrors.NoAgents();
            if (!await unit.TouchAgentAsync(agent, now)) throw SupportErrors.UnknownAgent(agent);
            ticket.AssigneeId = agent;
            ticket.UpdateTime = now;
            return false; // the status stays; the customer is not notified of who works on it
        });
    }

    public override async Task<Ticket> SetTicketPriority(SetTicketPriorityRequest request, ServerCallContext context)
    {
        var priority = SupportMapping.Priority(request.Priority);
        if (priority is null) new FieldViolations().Add("priority", "must be LOW, NORMAL, HIGH or URGENT").ThrowIfAny();
        return await ChangeAsync(context, request.Id, staffOnly: true, (ticket, _, now) =>
        {
            if (ticket.Status == TicketStatuses.Closed) throw SupportErrors.Closed(ticket);
            ticket.Priority = priority!;
            sla.Apply(ticket);
            ticket.UpdateTime = now;
            return Task.FromResult(false);
        });
    }

    /// <summary>
    /// Locks the ticket, applies <paramref name="change"/> (which returns whether the status changed), writes it back
    /// with the customer's notification when the status changed, and commits; a rule that throws writes nothing.
    /// </summary>
    private async Task<Ticket> ChangeAsync(ServerCallContext context, string rawId, bool staffOnly, Func<TicketRecord, SupportUnit, DateTime, Task<bool>> change)
    {
        var caller = staffOnly ? SupportCaller.RequireStaff(context) : SupportCaller.From(context);
        await agents.SeenAsync(context, caller);
        var id = FieldViolations.RequireUuid("id", rawId);
        await using var unit = await store.BeginAsync(context.CancellationToken);
        var ticket = await unit.LockTicketAsync(id);
        if (ticket is null || !caller.CanSee(ticket)) throw SupportErrors.TicketNotFound();
        var statusChanged = await change(ticket, unit, Now());
        await unit.UpdateTicketAsync(ticket);
        if (statusChanged) await unit.AddAsync(SupportEvents.StatusChanged(ticket.CustomerId, ticket.Id, ticket.Subject, ticket.Status));
        await unit.CommitAsync(context.CancellationToken);
        return SupportMapping.ToProto(ticket, caller.IsStaff ? await store.BreachesAsync(id, context.CancellationToken) : null);
    }

    private async Task<SupportCaller> CallerAsync(ServerCallContext context)
    {
        var caller = SupportCaller.From(context);
        await agents.SeenAsync(context, caller);
        return caller;
    }

    private static Guid? OptionalUuid(FieldViolations violations, string field, string value) =>
        value.Length == 0 ? null : violations.Uuid(field, value);

    private DateTime Now() => Conversation.Microseconds(time.GetUtcNow().UtcDateTime);
}
