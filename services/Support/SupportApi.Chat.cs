using Mesh.Support.Chat;
using Mesh.Support.Tickets;
using Mesh.Support.V1;

namespace Mesh.Support;

public sealed partial class SupportApi
{
    /// <summary>Response header of an accepted Chat join (its value: the ticket id); see the Chat rpc in support.proto.</summary>
    public const string JoinedHeader = "mesh-chat-joined";

    /// <summary>
    /// Live chat: the first event must be the join; it is checked (the ticket exists and is the caller's, or the caller
    /// is its agent or an admin; it is not closed) before anything is streamed. The rest is ChatSession.
    /// </summary>
    public override async Task Chat(IAsyncStreamReader<ChatEvent> requestStream, IServerStreamWriter<ChatEvent> responseStream, ServerCallContext context)
    {
        var caller = await CallerAsync(context);
        if (!await requestStream.MoveNext(context.CancellationToken)) return;
        var join = requestStream.Current;
        if (join.EventCase != ChatEvent.EventOneofCase.Join) new FieldViolations().Add("join", "must be the first event of the stream").ThrowIfAny();
        var violations = new FieldViolations();
        var ticketId = violations.Uuid("join.ticket_id", join.Join.TicketId);
        violations.Check("join.after_sequence", join.Join.AfterSequence < 0 ? "must not be negative" : null).ThrowIfAny();
        var ticket = await store.FindAsync(ticketId!.Value, context.CancellationToken);
        if (ticket is null) throw SupportErrors.TicketNotFound();
        Conversation.RequireParticipant(caller, ticket);
        if (ticket.Status == TicketStatuses.Closed) throw SupportErrors.Closed(ticket);
        // The join is accepted: response headers now, marked, so a client (the edge's chat hub) knows it before any
        // event; a refusal above is a trailers-only response instead.
        await context.WriteResponseHeadersAsync(new Metadata { { JoinedHeader, ticket.Id.ToString() } });
        var session = new ChatSession(store, conversation, fanout, caller, ticket.Id, responseStream);
        await session.RunAsync(join.Join.AfterSequence, requestStream, context.CancellationToken);
    }
}
