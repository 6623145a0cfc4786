namespace Mesh.Support.Tickets;

/// <summary>
/// Who is calling: a customer (any signed-in user) or staff — the roles support_agent and admin, as the users service
/// writes them into tokens. Staff see every ticket and internal notes; customers only their own tickets.
/// </summary>
public sealed record SupportCaller(Guid Id, bool IsStaff, bool IsAdmin)
{
    public const string AgentRole = "support_agent";
    public const string AdminRole = "admin";

    /// <summary>How the caller's messages are marked (ticket_messages.author_role).</summary>
    public string AuthorRole => IsStaff ? "agent" : "customer";

    /// <summary>Staff see every ticket; a customer only their own (another's is NOT_FOUND: its existence is not told).</summary>
    public bool CanSee(TicketRecord ticket) => IsStaff || ticket.CustomerId == Id;

    public static SupportCaller From(ServerCallContext context)
    {
        var user = Mesh.ServiceDefaults.Auth.CallerExtensions.RequireUser(context);
        if (!Guid.TryParse(user.Subject, out var id)) throw new RpcException(new Status(StatusCode.Unauthenticated, "The token names no user."));
        var admin = user.IsInRole(AdminRole);
        return new SupportCaller(id, admin || user.IsInRole(AgentRole), admin);
    }

    /// <summary>The caller, who must be staff; PERMISSION_DENIED otherwise.</summary>
    public static SupportCaller RequireStaff(ServerCallContext context)
    {
        var caller = From(context);
        return caller.IsStaff ? caller : throw new RpcException(new Status(StatusCode.PermissionDenied, $"This method needs the role {AgentRole} or {AdminRole}."));
    }
}
