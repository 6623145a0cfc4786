using Google.Rpc;
using RpcStatus = Google.Rpc.Status;

namespace Mesh.Support.Tickets;

/// <summary>The business errors of support, as google.rpc.Status with an ErrorInfo reason a client can switch on.</summary>
public static class SupportErrors
{
    public const string Domain = "support.mesh";

    public static RpcException TicketNotFound() => new(new Grpc.Core.Status(StatusCode.NotFound, "No such ticket."));

    public static RpcException Closed(TicketRecord ticket) =>
        Error(Code.FailedPrecondition, "TICKET_CLOSED", "The ticket is closed; open a new ticket.", ticket);

    public static RpcException ResolvedNeedsReopen(TicketRecord ticket) =>
        Error(Code.FailedPrecondition, "TICKET_RESOLVED", "The ticket is resolved; reopen it first (within 7 days of its resolution).", ticket);

    public static RpcException WrongState(TicketRecord ticket, string action) =>
        Error(Code.FailedPrecondition, "TICKET_STATE", $"A ticket that is {ticket.Status.ToUpperInvariant()} cannot be {action}.", ticket);

    public static RpcException ReopenWindowPassed(TicketRecord ticket, TimeSpan window) =>
        Error(Code.FailedPrecondition, "REOPEN_WINDOW_PASSED", $"A ticket can be reopened only within {window.TotalDays:0} days of its resolution; open a new ticket.", ticket);

    public static RpcException InternalNoteByCustomer() =>
        new(new Grpc.Core.Status(StatusCode.PermissionDenied, "Only staff may write internal notes."));

    public static RpcException NotTheAssignee(TicketRecord ticket) =>
        Error(Code.PermissionDenied, "NOT_ASSIGNEE", "Only the ticket's customer and its assigned agent (or an admin) may chat on it.", ticket);

    public static RpcException NoAgents() =>
        Error(Code.FailedPrecondition, "NO_AGENTS", "No support agent is known yet to assign the ticket to.", null);

    public static RpcException UnknownAgent(Guid agentId) =>
        new RpcStatus { Code = (int)Code.FailedPrecondition, Message = "agent_id is not a support agent (an agent becomes known by using support once)." }
            .WithDetail(new ErrorInfo { Reason = "UNKNOWN_AGENT", Domain = Domain, Metadata = { ["agent_id"] = agentId.ToString() } }).ToRpcException();

    private static RpcException Error(Code code, string reason, string message, TicketRecord? ticket)
    {
        var info = new ErrorInfo { Reason = reason, Domain = Domain };
        if (ticket is not null) info.Metadata["ticket_id"] = ticket.Id.ToString();
        return new RpcStatus { Code = (int)code, Message = message }.WithDetail(info).ToRpcException();
    }
}
