using System.Collections.Concurrent;

namespace Mesh.Support.Tickets;

/// <summary>
/// The agents automatic assignment may pick: every caller whose token has the role support_agent is recorded once
/// (agents table) the first time they use support on this replica. Roles live in the users service; support learns
/// its agents from their tokens instead of asking for a list.
/// </summary>
public sealed class AgentRegistry(TicketStore store)
{
    private readonly ConcurrentDictionary<Guid, byte> _known = new();

    public async Task SeenAsync(ServerCallContext context, SupportCaller caller)
    {
        if (!caller.IsStaff || _known.ContainsKey(caller.Id)) return;
        if (Mesh.ServiceDefaults.Auth.CallerExtensions.GetUser(context)?.IsInRole(SupportCaller.AgentRole) != true) return;
        await store.RegisterAgentAsync(caller.Id, context.CancellationToken);
        _known.TryAdd(caller.Id, 0);
    }
}
