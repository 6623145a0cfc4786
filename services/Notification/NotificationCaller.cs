namespace Mesh.Notification;

/// <summary>Who is calling: any signed-in user (their own inbox and preferences), or staff (admin, support_agent) for the dead letters.</summary>
public sealed record NotificationCaller(Guid Id, bool IsStaff)
{
    public const string AdminRole = "admin";
    public const string AgentRole = "support_agent";

    public static NotificationCaller From(ServerCallContext context)
    {
        var user = Mesh.ServiceDefaults.Auth.CallerExtensions.RequireUser(context);
        if (!Guid.TryParse(user.Subject, out var id)) throw new RpcException(new Status(StatusCode.Unauthenticated, "The token names no user."));
        return new NotificationCaller(id, user.IsInRole(AdminRole) || user.IsInRole(AgentRole));
    }

    public static NotificationCaller RequireStaff(ServerCallContext context)
    {
        var caller = From(context);
        return caller.IsStaff ? caller : throw new RpcException(new Status(StatusCode.PermissionDenied, $"This method needs the role {AdminRole} or {AgentRole}."));
    }
}
